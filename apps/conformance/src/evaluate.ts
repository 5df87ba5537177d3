// Running a graph on a backend and on the float64 reference lives in @saekit/core/testing, beside
// the primitive table that uses it; re-exported here for the cases and the suite's API.
export { evaluate, evaluateBoth, type PairedFeeds } from '@saekit/core/testing';
