/** The small model the modern unit tests use: 5 inputs, 7 latents, batches of 6. */
export const D = 5;
export const H = 7;
export const B = 6;
export const SMALL = Object.freeze({ inputDim: D, hiddenDim: H });
