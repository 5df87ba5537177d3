"""Writes the tiny committed fixtures of @saekit/formats and the latents each must give.

Every format is written here as its own project writes it: safetensors bytes by the published
layout (8-byte little-endian header length, JSON header, raw little-endian data), .npy/.npz by
NumPy itself, configs as the projects' config files. The expected latents are computed in NumPy
(float64, from the values as stored) following each project's forward code, not saekit's.

    python3 scripts/make_fixtures.py fixtures  (then biome formats the JSON: pnpm run fixtures does both)
"""

import json
import os
import struct
import sys

import numpy as np

D_IN, D_SAE, D_OUT, N = 6, 8, 5, 4
rng = np.random.default_rng(20261203)


def bf16_round(a):
    """float32 -> the bfloat16 values (as float32), round to nearest, ties to even."""
    u = np.asarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF
    return (r.astype(np.uint32) << 16).view(np.float32)


def stored(a, dtype):
    """The values a tensor holds once stored as dtype, and its little-endian bytes."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    if dtype == "F32":
        return a.astype(np.float64), a.astype("<f4").tobytes()
    if dtype == "F16":
        h = a.astype("<f2")
        return h.astype(np.float64), h.tobytes()
    if dtype == "BF16":
        b = bf16_round(a)
        bits = (b.view(np.uint32) >> 16).astype("<u2")
        return b.astype(np.float64), bits.tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, dtype="F32"):
    """tensors: name -> float32 array. Returns name -> float64 values as stored."""
    header, blobs, values, offset = {}, [], {}, 0
    for name, a in tensors.items():
        v, raw = stored(a, dtype)
        values[name] = v
        header[name] = {"dtype": dtype, "shape": list(np.shape(a)), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - (8 + len(text)) % 8) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode("utf-8"))
        for b in blobs:
            f.write(b)
    return values


def write_json(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)


def w(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def relu(a):
    return np.maximum(a, 0.0)


def topk(pre, k):
    """SAELens' TopK: the k largest pre-activations of each row, ReLU'd; the rest 0."""
    out = np.zeros_like(pre)
    idx = np.argsort(-pre, axis=1)[:, :k]
    rows = np.arange(pre.shape[0])[:, None]
    out[rows, idx] = relu(pre[rows, idx])
    return out


def saelens_cfg(arch, **extra):
    cfg = {
        "architecture": arch,
        "d_in": D_IN,
        "d_sae": D_SAE,
        "dtype": "float32",
        "device": "cpu",
        "apply_b_dec_to_input": False,
        "normalize_activations": "none",
        "reshape_activations": "none",
        "metadata": {"sae_lens_version": "6.5.0", "hook_name": "blocks.0.hook_resid_post"},
    }
    cfg.update(extra)
    return cfg


def main(out):
    x = (rng.standard_normal((N, D_IN)) * 2).astype(np.float32)
    xs = x.astype(np.float64)
    cases = {"inputs": xs.tolist(), "latents": {}, "options": {}}

    def saelens(name, cfg, tensors, latents_of, dtype="F32"):
        d = os.path.join(out, name)
        write_json(os.path.join(d, "cfg.json"), cfg)
        v = write_safetensors(os.path.join(d, "sae_weights.safetensors"), tensors, dtype)
        cases["latents"][name] = latents_of(v).tolist()

    base = lambda: {"W_enc": w(D_IN, D_SAE), "b_enc": w(D_SAE, scale=0.3), "W_dec": w(D_SAE, D_IN), "b_dec": w(D_IN, scale=0.3)}

    # standard, subtracting b_dec from the input (SAELens' default)
    saelens("saelens-standard", saelens_cfg("standard", apply_b_dec_to_input=True), base(),
            lambda v: relu((xs - v["b_dec"]) @ v["W_enc"] + v["b_enc"]))

    # topk with rescale_acts_by_decoder_norm
    def topk_lat(v):
        pre = xs @ v["W_enc"] + v["b_enc"]
        pre = pre * np.linalg.norm(v["W_dec"], axis=-1)
        return topk(pre, 3)
    saelens("saelens-topk", saelens_cfg("topk", k=3, rescale_acts_by_decoder_norm=True), base(), topk_lat)

    # a pre-6 config: architecture standard, activation_fn_str topk and its k in kwargs
    pre6 = {"d_in": D_IN, "d_sae": D_SAE, "dtype": "float32", "activation_fn_str": "topk",
            "activation_fn_kwargs": {"k": 2}, "apply_b_dec_to_input": False, "normalize_activations": None,
            "hook_name": "blocks.0.hook_resid_pre"}
    saelens("saelens-pre6-topk", pre6, base(), lambda v: topk(xs @ v["W_enc"] + v["b_enc"], 2))

    # jumprelu, stored float16
    def jr(v, sae_in):
        pre = sae_in @ v["W_enc"] + v["b_enc"]
        return relu(pre) * (pre > v["threshold"])
    t = base()
    t["threshold"] = rng.uniform(0.0, 0.6, D_SAE).astype(np.float32)
    saelens("saelens-jumprelu-f16", saelens_cfg("jumprelu", dtype="float16"), t, lambda v: jr(v, xs), "F16")

    # BatchTopK as SAELens saves it: jumprelu, one threshold copied to every latent, decoder norms folded
    t = base()
    norms = np.linalg.norm(t["W_dec"], axis=-1)
    t["W_dec"] = (t["W_dec"] / norms[:, None]).astype(np.float32)
    t["W_enc"] = (t["W_enc"] * norms[None, :]).astype(np.float32)
    t["b_enc"] = (t["b_enc"] * norms).astype(np.float32)
    t["threshold"] = np.full(D_SAE, 0.4, dtype=np.float32)
    saelens("saelens-batchtopk", saelens_cfg("jumprelu", apply_b_dec_to_input=True), t,
            lambda v: jr(v, xs - v["b_dec"]))

    # gated
    t = {"W_enc": w(D_IN, D_SAE), "b_gate": w(D_SAE, scale=0.3), "r_mag": w(D_SAE, scale=0.2),
         "b_mag": w(D_SAE, scale=0.3), "W_dec": w(D_SAE, D_IN), "b_dec": w(D_IN, scale=0.3)}
    def gated(v):
        sae_in = xs - v["b_dec"]
        active = (sae_in @ v["W_enc"] + v["b_gate"]) > 0
        mag = sae_in @ (v["W_enc"] * np.exp(v["r_mag"])) + v["b_mag"]
        return active * relu(mag)
    saelens("saelens-gated", saelens_cfg("gated", apply_b_dec_to_input=True), t, gated)

    # transcoders: d_out != d_in; b_dec is never subtracted from the input
    tc = lambda: {"W_enc": w(D_IN, D_SAE), "b_enc": w(D_SAE, scale=0.3), "W_dec": w(D_SAE, D_OUT), "b_dec": w(D_OUT, scale=0.3)}
    saelens("saelens-transcoder", saelens_cfg("transcoder", d_out=D_OUT, apply_b_dec_to_input=True), tc(),
            lambda v: relu(xs @ v["W_enc"] + v["b_enc"]))
    t = tc()
    t["W_skip"] = w(D_OUT, D_IN)
    saelens("saelens-skip-transcoder", saelens_cfg("skip_transcoder", d_out=D_OUT), t,
            lambda v: relu(xs @ v["W_enc"] + v["b_enc"]))
    t = tc()
    t["threshold"] = rng.uniform(0.0, 0.6, D_SAE).astype(np.float32)
    saelens("saelens-jumprelu-transcoder", saelens_cfg("jumprelu_transcoder", d_out=D_OUT), t, lambda v: jr(v, xs))

    # run-time input normalizations
    cnr = xs * (np.sqrt(D_IN) / np.linalg.norm(xs, axis=-1, keepdims=True))
    saelens("saelens-constant-norm", saelens_cfg("standard", normalize_activations="constant_norm_rescale"), base(),
            lambda v: relu(cnr @ v["W_enc"] + v["b_enc"]))
    mu = xs.mean(axis=-1, keepdims=True)
    ln = (xs - mu) / ((xs - mu).std(axis=-1, ddof=1, keepdims=True) + 1e-5)
    saelens("saelens-layer-norm", saelens_cfg("standard", normalize_activations="layer_norm"), base(),
            lambda v: relu(ln @ v["W_enc"] + v["b_enc"]))

    # expected_average_only_in: SAELens folds a norm scaling factor s (kept outside the files) into
    # the weights, so the latents of x are the model's on s x
    s_norm = 0.8
    saelens("saelens-expected-average", saelens_cfg("standard", normalize_activations="expected_average_only_in",
                                                    apply_b_dec_to_input=True), base(),
            lambda v: relu((xs * s_norm - v["b_dec"]) @ v["W_enc"] + v["b_enc"]))
    cases["options"]["saelens-expected-average"] = {"normScalingFactor": s_norm}

    # sparsify: nn.Linear encoder [d_sae, d_in], W_dec [d_sae, d_in], bfloat16; relu(linear(x - b_dec)), top k
    d = os.path.join(out, "sparsify")
    write_json(os.path.join(d, "cfg.json"), {"activation": "topk", "expansion_factor": 32, "normalize_decoder": True,
                                             "num_latents": D_SAE, "k": 3, "multi_topk": False, "skip_connection": False,
                                             "transcode": False, "d_in": D_IN})
    v = write_safetensors(os.path.join(d, "sae.safetensors"), {"encoder.weight": w(D_SAE, D_IN), "encoder.bias": w(D_SAE, scale=0.3),
                                                               "W_dec": w(D_SAE, D_IN), "b_dec": w(D_IN, scale=0.3)}, "BF16")
    cases["latents"]["sparsify"] = topk(relu((xs - v["b_dec"]) @ v["encoder.weight"].T + v["encoder.bias"]), 3).tolist()

    # Gemma Scope: params.npz by NumPy
    g = {"W_enc": w(D_IN, D_SAE), "W_dec": w(D_SAE, D_IN), "b_enc": w(D_SAE, scale=0.3), "b_dec": w(D_IN, scale=0.3),
         "threshold": rng.uniform(0.0, 0.6, D_SAE).astype(np.float32)}
    d = os.path.join(out, "gemma-scope")
    os.makedirs(d, exist_ok=True)
    np.savez(os.path.join(d, "params.npz"), **g)
    gv = {k: a.astype(np.float64) for k, a in g.items()}
    cases["latents"]["gemma-scope"] = jr(gv, xs).tolist()

    # Gemma Scope 2: lowercase names in params.safetensors
    g2 = {"w_enc": w(D_IN, D_SAE), "w_dec": w(D_SAE, D_IN), "b_enc": w(D_SAE, scale=0.3), "b_dec": w(D_IN, scale=0.3),
          "threshold": rng.uniform(0.0, 0.6, D_SAE).astype(np.float32)}
    v = write_safetensors(os.path.join(out, "gemma-scope-2", "params.safetensors"), g2)
    cases["latents"]["gemma-scope-2"] = jr({"W_enc": v["w_enc"], "b_enc": v["b_enc"], "threshold": v["threshold"]}, xs).tolist()

    # Llama Scope, as SAELens loads it: inputs times s = sqrt(d_model) / average norm, threshold times s
    d = os.path.join(out, "llama-scope")
    hp = {"d_model": D_IN, "d_sae": D_SAE, "jump_relu_threshold": 0.3, "act_fn": "jumprelu",
          "dataset_average_activation_norm": {"in": 3.7, "out": 2.9}, "hook_point_in": "blocks.3.hook_resid_post",
          "hook_point_out": "blocks.3.hook_resid_post"}
    write_json(os.path.join(d, "hyperparams.json"), hp)
    v = write_safetensors(os.path.join(d, "checkpoints", "final.safetensors"),
                          {"encoder.weight": w(D_SAE, D_IN), "encoder.bias": w(D_SAE, scale=0.3),
                           "decoder.weight": w(D_IN, D_SAE), "decoder.bias": w(D_IN, scale=0.3)}, "BF16")
    s = np.sqrt(D_IN) / 3.7
    pre = (xs * s) @ v["encoder.weight"].T + v["encoder.bias"]
    cases["latents"]["llama-scope"] = (relu(pre) * (pre > 0.3 * s)).tolist()

    write_json(os.path.join(out, "latents.json"), cases)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fixtures")
