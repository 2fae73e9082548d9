#!/usr/bin/python3
"""Golden fixtures for showo-tiny and magvit2-tiny, from an independent PyTorch implementation.

Written from the specification (design/showo.md), not from the TypeScript sources:

  Show-o (§1.3, §1.4, §2)  Phi-1.5 decoder layers: one pre-LayerNorm, parallel residual
                           x + Attn(u) + MLP(u); QK-Norm (a LayerNorm over each head's dims, shared
                           by the heads, weight and bias) before split-half partial rotary on the
                           first half of each head; scores q·kᵀ/√d plus Show-o's additive mask,
                           softmax, dense; MLP fc2(gelu_tanh(fc1(u))); final LayerNorm; untied
                           lm_head with bias. Positions 0..L−1 over the padded sequence.
  masks (§3.1, §3.3)       create_attention_mask_predict_next (rm_pad_in_image=True) for T2I,
                           create_attention_mask_for_mmu for MMU, the same predict_next function
                           (no SOI/EOI in the row, no pad removal) for LM: dense additive float32
                           masks [B, 1, L, L] with 0 where allowed and iinfo(int64).min elsewhere.
  prompts (§3.2)           [PAD]* [T2I] BOS text EOS [SOI] image [EOI] left-padded to a text block
                           of textBudget + 1; [MMU] [SOI] image [EOI] [SOT] question; BOS text EOS
                           right-padded.
  MAGVIT-v2 (§7)           GroupNorm(32, 1e-6), swish, ResnetBlock with a 1×1 nin_shortcut when
                           channels change, single-head mid attention (scale C^−½), Downsample =
                           pad right/bottom by 1 + conv3×3 stride 2, Upsample = nearest ×2 + conv3×3;
                           quant_conv inside the encoder, post_quant_conv inside the decoder; LFQ
                           with 13 sign bits, channel 0 the most significant, code index y·w + x.

Sizes: showo-tiny = hidden 64, 2 layers, 4 heads of 16, MLP 256, V = 58498 (the real vocabulary
layout), partial rotary 0.5, rope base 10000, eps 1e-5, 16 image tokens (4×4), text budget 16.
magvit2-tiny = ch 32, ch_mult [1, 1, 2], one ResnetBlock per level in the encoder and the decoder,
13 latent channels: 16×16 images ↔ 4×4 codes.

Weights are drawn from numpy's PCG64 with fixed seeds, rounded to float16 and stored as F16
safetensors under the checkpoints' key names (Show-o with the `showo.` prefix). The weights *are*
those f16 values: every computation here reads them widened to float64, and loaders widen the same
f16 values. All arithmetic is float64 on one thread, so the stored float32 results are the exact
values rounded once.

Usage (Debian's python3-torch 1.13, python3-numpy; /usr/bin/python3):
  reference.py --out DIR     write the fixtures into DIR
  reference.py --check DIR   regenerate into a temporary folder and compare with DIR byte for byte
"""

import os

# One BLAS thread: a fixed summation order, so regenerated fixtures are byte-identical.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import argparse
import filecmp
import json
import math
import shutil
import struct
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
DT = torch.float64

# ------------------------------------------------------------------------------------------------
# Vocabulary (§3.2, §4)

BOS = EOS = SOT = 50256
PAD, SOI, EOI, T2I, MMU = 50295, 50296, 50297, 50300, 50301
IMAGE_OFFSET = 50305
CODEBOOK = 8192
MASK = 58497
VOCAB = 58498

# ------------------------------------------------------------------------------------------------
# Configurations

SHOWO_TINY = dict(name="showo-tiny", hidden=64, layers=2, heads=4, mlp=256, vocab=VOCAB,
                  partial_rotary=0.5, rope_theta=10000.0, eps=1e-5, image_tokens=16, text_budget=16)
MAGVIT2_TINY = dict(name="magvit2-tiny", ch=32, ch_mult=[1, 1, 2], enc_blocks=[1, 1, 1], dec_blocks=[1, 1, 1],
                    z=13, in_ch=3, out_ch=3, groups=32, eps=1e-6)

SEED_SHOWO = 20240812
SEED_MAGVIT = 20240813
SEED_INPUTS = 20240814

# ------------------------------------------------------------------------------------------------
# Random weights (numpy PCG64, rounded to f16)


def draw(rng, shape, std, mean=0.0):
    """Normal(mean, std) values rounded to float16 (the stored weights)."""
    return (mean + std * rng.standard_normal(shape)).astype(np.float16)


def showo_weights(cfg, seed):
    """Show-o's tensors, named as in §8 (with the `showo.` prefix), as float16 arrays."""
    rng = np.random.Generator(np.random.PCG64(seed))
    H, F_, V, hd = cfg["hidden"], cfg["mlp"], cfg["vocab"], cfg["hidden"] // cfg["heads"]
    w = {}

    def linear(name, out_f, in_f):
        w[name + ".weight"] = draw(rng, (out_f, in_f), 1.0 / math.sqrt(in_f))
        w[name + ".bias"] = draw(rng, (out_f,), 0.1)

    def norm(name, n):
        # Trained-looking affine LayerNorms (not 1/0), so a swapped weight and bias shows.
        w[name + ".weight"] = draw(rng, (n,), 0.1, 1.0)
        w[name + ".bias"] = draw(rng, (n,), 0.1)

    w["showo.model.embed_tokens.weight"] = draw(rng, (V, H), 1.0)
    for i in range(cfg["layers"]):
        p = f"showo.model.layers.{i}."
        norm(p + "input_layernorm", H)
        for proj in ("q_proj", "k_proj", "v_proj", "dense"):
            linear(p + "self_attn." + proj, H, H)
        norm(p + "self_attn.q_layernorm", hd)
        norm(p + "self_attn.k_layernorm", hd)
        linear(p + "mlp.fc1", F_, H)
        linear(p + "mlp.fc2", H, F_)
    norm("showo.model.final_layernorm", H)
    linear("showo.lm_head", V, H)
    return w


def magvit_weights(cfg, seed):
    """MAGVIT-v2's tensors, named as in §8, as float16 arrays (the LFQ buffers added separately)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    w = {}

    def conv(name, cout, cin, k):
        w[name + ".weight"] = draw(rng, (cout, cin, k, k), 1.0 / math.sqrt(cin * k * k))
        w[name + ".bias"] = draw(rng, (cout,), 0.05)

    def gn(name, c):
        w[name + ".weight"] = draw(rng, (c,), 0.1, 1.0)
        w[name + ".bias"] = draw(rng, (c,), 0.1)

    def res(name, cin, cout):
        gn(name + ".norm1", cin)
        conv(name + ".conv1", cout, cin, 3)
        gn(name + ".norm2", cout)
        conv(name + ".conv2", cout, cout, 3)
        if cin != cout:
            conv(name + ".nin_shortcut", cout, cin, 1)

    def mid(name, c):
        res(name + ".block_1", c, c)
        gn(name + ".attn_1.norm", c)
        for n in ("q", "k", "v", "proj_out"):
            conv(name + ".attn_1." + n, c, c, 1)
        res(name + ".block_2", c, c)

    ch, mult, z = cfg["ch"], cfg["ch_mult"], cfg["z"]
    n = len(mult)
    # Encoder: conv_in, down[i] (blocks, then a downsample on all but the last level), mid, out.
    conv("encoder.conv_in", ch, cfg["in_ch"], 3)
    cin = ch
    for i in range(n):
        cout = ch * mult[i]
        for j in range(cfg["enc_blocks"][i]):
            res(f"encoder.down.{i}.block.{j}", cin if j == 0 else cout, cout)
        cin = cout
        if i != n - 1:
            conv(f"encoder.down.{i}.downsample.conv", cout, cout, 3)
    mid("encoder.mid", cin)
    gn("encoder.norm_out", cin)
    conv("encoder.conv_out", z, cin, 3)
    conv("encoder.quant_conv", z, z, 1)
    # Decoder: post_quant_conv, conv_in, mid, up[i] from the last level down, out.
    cin = ch * mult[-1]
    conv("decoder.post_quant_conv", z, z, 1)
    conv("decoder.conv_in", cin, z, 3)
    mid("decoder.mid", cin)
    for i in reversed(range(n)):
        cout = ch * mult[i]
        for j in range(cfg["dec_blocks"][i]):
            res(f"decoder.up.{i}.block.{j}", cin if j == 0 else cout, cout)
        cin = cout
        if i != 0:
            conv(f"decoder.up.{i}.upsample.conv", cout, cout, 3)
    gn("decoder.norm_out", cin)
    conv("decoder.conv_out", cfg["out_ch"], cin, 3)
    return w


def tensors64(w, prefix=""):
    """The f16 weights widened to float64 torch tensors, keyed without `prefix`."""
    return {k[len(prefix):]: torch.from_numpy(v.astype(np.float64)) for k, v in w.items() if k.startswith(prefix)}


# ------------------------------------------------------------------------------------------------
# Prompts (§3.2), written from the layouts


def t2i_ids(text, image_ids, cfg, drop_condition=False):
    """[PAD]* [T2I] BOS text EOS left-padded to textBudget + 1, then [SOI] image [EOI]."""
    block = cfg["text_budget"] + 1
    body = [BOS, EOS] if drop_condition else ([] if text[:1] == [BOS] else [BOS]) + list(text) + [EOS]
    ids = [T2I] + body
    if len(ids) > block:
        ids = ids[:block - 1] + [EOS]
    ids = [PAD] * (block - len(ids)) + ids
    assert len(image_ids) == cfg["image_tokens"]
    return ids + [SOI] + list(image_ids) + [EOI]


def mmu_ids(image_ids, question):
    """[MMU] [SOI] image [EOI] [SOT] question (inference; no padding)."""
    return [MMU, SOI] + list(image_ids) + [EOI, SOT] + list(question)


def lm_ids(text, seq_len):
    """BOS text EOS right-padded with [PAD] to seq_len."""
    body = ([] if text[:1] == [BOS] else [BOS]) + list(text) + [EOS]
    assert len(body) <= seq_len
    return body + [PAD] * (seq_len - len(body))


# ------------------------------------------------------------------------------------------------
# Show-o's masks (§3.1, §3.3): dense, additive, float32


def invert(allowed, dtype_of_ids=torch.int64):
    """Boolean allowed [N, L, L] → additive [N, 1, L, L]: 1.0 − m (float32), blocked → iinfo(int64).min."""
    inverted = 1.0 - allowed.type(dtype_of_ids)
    inverted = inverted.masked_fill(inverted.to(torch.bool), torch.iinfo(dtype_of_ids).min)
    return inverted.unsqueeze(1)


def create_attention_mask_predict_next(seq, pad_id=PAD, soi_id=SOI, eoi_id=EOI, rm_pad_in_image=False):
    """§3.3 T2I rules. seq int64 [N, L] → additive float32 [N, 1, L, L].

    The image segment is [SOI, EOI] (cumulative SOI count above the EOI count, plus SOI and EOI
    themselves); everything else is text. Text rows are causal. With rm_pad_in_image, rows after
    the last pad p* lose every column ≤ p*, and image rows (which see every column) lose the pad
    columns from the SOI row on.
    """
    N, L = seq.shape
    is_pad = seq == pad_id
    is_soi, is_eoi = seq == soi_id, seq == eoi_id
    in_image = (torch.cumsum(is_soi, 1) > torch.cumsum(is_eoi, 1)) | is_soi | is_eoi
    is_text = ~in_image
    causal = torch.tril(torch.ones((L, L), dtype=torch.bool))
    mask_text = is_text[:, :, None] & causal[None]
    everything = is_text | in_image
    mask_image = everything[:, :, None] & everything[:, None, :]
    if rm_pad_in_image:
        for i in range(N):
            pads = torch.where(seq[i] == pad_id)[0]
            if len(pads):
                p = int(pads[-1])
                mask_text[i, p + 1:, :p + 1] = False
            sois = torch.where(seq[i] == soi_id)[0]
            if len(sois):
                mask_image[i, int(sois[0]):, pads] = False
    mask_text[in_image] = mask_image[in_image]
    return invert(mask_text)


def create_attention_mask_for_mmu(seq, eoi_id=EOI):
    """§3.3 MMU: causal, then columns 0..e allowed for every row; e = the first [EOI] of the batch's first row."""
    N, L = seq.shape
    allowed = torch.tril(torch.ones((N, L, L), dtype=torch.bool))
    e = int(torch.where(seq == eoi_id)[1][0])
    allowed[:, :, :e + 1] = True
    return invert(allowed)


def allowed01(additive):
    """Additive [N, 1, L, L] → the 0/1 matrix [N, L, L] as uint8."""
    return (additive[:, 0] == 0).to(torch.uint8).numpy()


def check_toy_matrices():
    """§3.3's two toy matrices, as the specification prints them."""
    toy = torch.tensor([[PAD, PAD, T2I, BOS, 11, EOS, SOI, IMAGE_OFFSET + 1, IMAGE_OFFSET + 2, IMAGE_OFFSET + 3, EOI]])
    want = [[1 if j <= i else 0 for j in range(11)] for i in range(2)]
    for i in range(2, 6):
        want.append([0, 0] + [1 if 2 <= j <= i else 0 for j in range(2, 11)])
    for i in range(6, 11):
        want.append([0, 0] + [1] * 9)
    got = allowed01(create_attention_mask_predict_next(toy, rm_pad_in_image=True))[0]
    assert (got == np.array(want, dtype=np.uint8)).all(), f"T2I toy matrix differs from §3.3:\n{got}"
    toy = torch.tensor([[MMU, SOI, IMAGE_OFFSET + 1, IMAGE_OFFSET + 2, EOI, BOS, 21, 22]])
    want = [[1] * 5 + [0, 0, 0]] * 5 + [[1] * 6 + [0, 0], [1] * 7 + [0], [1] * 8]
    got = allowed01(create_attention_mask_for_mmu(toy))[0]
    assert (got == np.array(want, dtype=np.uint8)).all(), f"MMU toy matrix differs from §3.3:\n{got}"
    return {
        "t2i_toy": {"task": "t2i", "ids": [[int(t) for t in r] for r in [[PAD, PAD, T2I, BOS, 11, EOS, SOI, IMAGE_OFFSET + 1, IMAGE_OFFSET + 2, IMAGE_OFFSET + 3, EOI]]]},
        "mmu_toy": {"task": "mmu", "ids": [[MMU, SOI, IMAGE_OFFSET + 1, IMAGE_OFFSET + 2, EOI, BOS, 21, 22]]},
    }


# ------------------------------------------------------------------------------------------------
# Show-o forward (§1.4, §2)


def rotary_tables(L, rot_dim, theta):
    """cos, sin [L, rot_dim]: θ = p·theta^(−2i/rot_dim) for i < rot_dim/2, laid out as concat(θ, θ)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, rot_dim, 2, dtype=DT) / rot_dim))
    angles = torch.outer(torch.arange(L, dtype=DT), inv_freq)
    emb = torch.cat([angles, angles], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_partial_rotary(x, cos, sin, rot_dim):
    """x [B, nh, L, hd]: the first rot_dim dims rotate (split-half), the rest pass through."""
    xr, xp = x[..., :rot_dim], x[..., rot_dim:]
    return torch.cat([xr * cos + rotate_half(xr) * sin, xp], dim=-1)


def phi_attention(W, p, u, mask, cfg, cos, sin):
    B, L, H = u.shape
    nh, hd = cfg["heads"], H // cfg["heads"]
    rot = int(hd * cfg["partial_rotary"])

    def proj(name):
        return F.linear(u, W[p + name + ".weight"], W[p + name + ".bias"])

    q = proj("q_proj").view(B, L, nh, hd).transpose(1, 2)
    k = proj("k_proj").view(B, L, nh, hd).transpose(1, 2)
    v = proj("v_proj").view(B, L, nh, hd).transpose(1, 2)
    # QK-Norm: one LayerNorm over the head dims, shared by every head, before the rotary.
    q = F.layer_norm(q, (hd,), W[p + "q_layernorm.weight"], W[p + "q_layernorm.bias"], cfg["eps"])
    k = F.layer_norm(k, (hd,), W[p + "k_layernorm.weight"], W[p + "k_layernorm.bias"], cfg["eps"])
    q = apply_partial_rotary(q, cos, sin, rot)
    k = apply_partial_rotary(k, cos, sin, rot)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + mask.to(DT)
    probs = torch.softmax(scores, dim=-1)
    o = torch.matmul(probs, v).transpose(1, 2).reshape(B, L, H)
    return F.linear(o, W[p + "dense.weight"], W[p + "dense.bias"])


def showo_forward(W, ids, mask, cfg):
    """ids int64 [B, L], additive mask [B, 1, L, L] → logits float64 [B, L, V]."""
    B, L = ids.shape
    H, hd = cfg["hidden"], cfg["hidden"] // cfg["heads"]
    cos, sin = rotary_tables(L, int(hd * cfg["partial_rotary"]), cfg["rope_theta"])
    x = W["model.embed_tokens.weight"][ids]
    for i in range(cfg["layers"]):
        p = f"model.layers.{i}."
        u = F.layer_norm(x, (H,), W[p + "input_layernorm.weight"], W[p + "input_layernorm.bias"], cfg["eps"])
        a = phi_attention(W, p + "self_attn.", u, mask, cfg, cos, sin)
        f = F.linear(F.gelu(F.linear(u, W[p + "mlp.fc1.weight"], W[p + "mlp.fc1.bias"]), approximate="tanh"),
                     W[p + "mlp.fc2.weight"], W[p + "mlp.fc2.bias"])
        x = x + a + f
    x = F.layer_norm(x, (H,), W["model.final_layernorm.weight"], W["model.final_layernorm.bias"], cfg["eps"])
    return F.linear(x, W["lm_head.weight"], W["lm_head.bias"])


# ------------------------------------------------------------------------------------------------
# MAGVIT-v2 (§7)


def group_norm(W, name, x, cfg):
    return F.group_norm(x, cfg["groups"], W[name + ".weight"], W[name + ".bias"], cfg["eps"])


def swish(x):
    return x * torch.sigmoid(x)


def conv(W, name, x, stride=1, padding=0):
    return F.conv2d(x, W[name + ".weight"], W[name + ".bias"], stride=stride, padding=padding)


def resnet_block(W, name, x, cfg):
    h = conv(W, name + ".conv1", swish(group_norm(W, name + ".norm1", x, cfg)), padding=1)
    h = conv(W, name + ".conv2", swish(group_norm(W, name + ".norm2", h, cfg)), padding=1)  # dropout(0): nothing
    if name + ".nin_shortcut.weight" in W:
        x = conv(W, name + ".nin_shortcut", x)
    return x + h


def attn_block(W, name, x, cfg):
    B, C, Hh, Ww = x.shape
    u = group_norm(W, name + ".norm", x, cfg)
    q = conv(W, name + ".q", u).reshape(B, C, Hh * Ww).permute(0, 2, 1)  # [B, HW, C]
    k = conv(W, name + ".k", u).reshape(B, C, Hh * Ww)                    # [B, C, HW]
    v = conv(W, name + ".v", u).reshape(B, C, Hh * Ww)                    # [B, C, HW]
    p = torch.softmax(torch.bmm(q, k) * (C ** -0.5), dim=2)               # [B, HW(query), HW(key)]
    h = torch.bmm(v, p.permute(0, 2, 1)).reshape(B, C, Hh, Ww)
    return x + conv(W, name + ".proj_out", h)


def mid_block(W, name, x, cfg):
    x = resnet_block(W, name + ".block_1", x, cfg)
    x = attn_block(W, name + ".attn_1", x, cfg)
    return resnet_block(W, name + ".block_2", x, cfg)


def encoder(W, x, cfg):
    """image [B, 3, H, W] → latent [B, z, H/f, W/f] (quant_conv included)."""
    n = len(cfg["ch_mult"])
    h = conv(W, "encoder.conv_in", x, padding=1)
    for i in range(n):
        for j in range(cfg["enc_blocks"][i]):
            h = resnet_block(W, f"encoder.down.{i}.block.{j}", h, cfg)
        if i != n - 1:
            h = conv(W, f"encoder.down.{i}.downsample.conv", F.pad(h, (0, 1, 0, 1)), stride=2)
    h = mid_block(W, "encoder.mid", h, cfg)
    h = conv(W, "encoder.conv_out", swish(group_norm(W, "encoder.norm_out", h, cfg)), padding=1)
    return conv(W, "encoder.quant_conv", h)


def decoder(W, zq, cfg):
    """±1 code vectors [B, z, h, w] → image [B, 3, h·f, w·f] (post_quant_conv included)."""
    n = len(cfg["ch_mult"])
    h = conv(W, "decoder.conv_in", conv(W, "decoder.post_quant_conv", zq), padding=1)
    h = mid_block(W, "decoder.mid", h, cfg)
    for i in reversed(range(n)):
        for j in range(cfg["dec_blocks"][i]):
            h = resnet_block(W, f"decoder.up.{i}.block.{j}", h, cfg)
        if i != 0:
            h = conv(W, f"decoder.up.{i}.upsample.conv", F.interpolate(h, scale_factor=2.0, mode="nearest"), padding=1)
    return conv(W, "decoder.conv_out", swish(group_norm(W, "decoder.norm_out", h, cfg)), padding=1)


def lfq_buffers(z):
    """power_vals [z] = 2^(z−1−c) (channel 0 the MSB) and embedding [2^z, z] of ±1: the code's bits."""
    power_vals = 2 ** torch.arange(z - 1, -1, -1, dtype=torch.int64)
    codes = torch.arange(2 ** z, dtype=torch.int64)
    bits = (codes[:, None] // power_vals[None, :]) % 2
    return power_vals, (2 * bits - 1)


def lfq_encode(latent, z):
    """latent [B, z, h, w] → codes int64 [B, h·w]: bit c = (latent_c > 0), code = Σ bit_c·2^(z−1−c)."""
    power_vals, _ = lfq_buffers(z)
    bits = (latent > 0).to(torch.int64)
    codes = (bits * power_vals[None, :, None, None]).sum(1)  # [B, h, w]
    return codes.reshape(latent.shape[0], -1)


def lfq_decode(codes, z, h, w):
    """codes [B, h·w] → ±1 vectors [B, z, h, w], by lookup in the embedding buffer."""
    _, embedding = lfq_buffers(z)
    vec = embedding[codes].to(DT)  # [B, h·w, z]
    return vec.reshape(codes.shape[0], h, w, z).permute(0, 3, 1, 2)


# ------------------------------------------------------------------------------------------------
# Files: safetensors (written by hand: JSON header + raw little-endian bytes) and .npy


ST_DTYPE = {np.dtype(np.float16): "F16", np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}


def write_safetensors(path, tensors, metadata):
    """8-byte header length, the JSON header (space-padded to 8 bytes), then the tensors' bytes in key order."""
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        b = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": ST_DTYPE[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def save_npy(folder, name, array):
    np.save(os.path.join(folder, name), array, allow_pickle=False)
    return name


# ------------------------------------------------------------------------------------------------
# Fixtures


def showo_cases(rng, cfg):
    """The three layouts' ids, built from hand-picked text ids and random image codes."""
    N = cfg["image_tokens"]
    # "a photo of a cat" in GPT-2 ids; the rest are arbitrary text ids (incl. an added whitespace token).
    caption = [64, 4590, 286, 257, 3797]
    question = [29904, 25, 220, 198, 2061, 318, 428, 30, 50286, 317, 10305, 8808, 25]
    lm_text = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 50257, 3363]
    codes = rng.integers(0, CODEBOOK, N)
    # A T2I image mid-generation: some positions known, the others [MASK].
    known = rng.random(N) < 0.5
    t2i_image = [int(IMAGE_OFFSET + c) if k else MASK for c, k in zip(codes, known)]
    mmu_image = [int(IMAGE_OFFSET + c) for c in rng.integers(0, CODEBOOK, N)]
    t2i_rows = [t2i_ids(caption, t2i_image, cfg), t2i_ids([], t2i_image, cfg, drop_condition=True)]
    L = len(t2i_rows[0])
    assert L == cfg["text_budget"] + 1 + N + 2
    # Full-vocabulary logits are kept at a few positions of each row (each kind of token once).
    block = cfg["text_budget"] + 1
    soi = block
    t2i_pos = [[0, 0], [0, block - len(caption) - 3], [0, block - len(caption) + 1], [0, block - 1], [0, soi],
               [0, soi + 1 + t2i_image.index(MASK)], [0, L - 1],
               [1, block - 4], [1, block - 3], [1, soi + 2], [1, L - 1]]
    mmu_row = mmu_ids(mmu_image, question)
    e = 2 + N
    mmu_pos = [[0, 0], [0, 1], [0, 2 + 5], [0, e], [0, e + 1], [0, e + 4], [0, len(mmu_row) - 1]]
    lm_row = lm_ids(lm_text, L)
    eos = 1 + len(lm_text)
    lm_pos = [[0, 0], [0, 4], [0, eos], [0, eos + 1], [0, L - 1]]
    return {
        "t2i": {"task": "t2i", "ids": t2i_rows, "positions": t2i_pos, "inputs": {"text": caption, "image": t2i_image}},
        "mmu": {"task": "mmu", "ids": [mmu_row], "positions": mmu_pos, "inputs": {"question": question, "image": mmu_image}},
        "lm": {"task": "lm", "ids": [lm_row], "positions": lm_pos, "inputs": {"text": lm_text, "seq": L}},
    }


def mask_for(task, ids):
    if task == "t2i":
        return create_attention_mask_predict_next(ids, rm_pad_in_image=True)
    if task == "mmu":
        return create_attention_mask_for_mmu(ids)
    if task == "lm":
        return create_attention_mask_predict_next(ids, rm_pad_in_image=False)
    raise ValueError(task)


def generate(out):
    os.makedirs(out, exist_ok=True)
    index = {
        "about": "Golden fixtures for showo-tiny and magvit2-tiny, made by tests/golden/reference.py (float64 PyTorch, "
                 "weights stored as float16: the weights are those f16 values). Arrays are .npy files in this folder.",
        "showo": {}, "magvit2": {}, "masks": {},
    }

    # --- Show-o --------------------------------------------------------------------------------
    cfg = SHOWO_TINY
    sw = showo_weights(cfg, SEED_SHOWO)
    write_safetensors(os.path.join(out, "showo-tiny.safetensors"), sw,
                      {"format": "pt", "model": "showo-tiny", "note": "random weights for golden tests; float16 values are the weights"})
    W = tensors64(sw, "showo.")
    rng = np.random.Generator(np.random.PCG64(SEED_INPUTS))
    cases = showo_cases(rng, cfg)
    V = cfg["vocab"]
    image_cols = [IMAGE_OFFSET, IMAGE_OFFSET + CODEBOOK]
    index["showo"] = {"model": cfg["name"], "weights": "showo-tiny.safetensors", "config": cfg, "cases": {}}
    for name, case in cases.items():
        ids = torch.tensor(case["ids"], dtype=torch.int64)
        mask = mask_for(case["task"], ids)
        logits = showo_forward(W, ids, mask, cfg)  # [B, L, V] float64
        assert torch.isfinite(logits).all()
        pos = case["positions"]
        full = np.stack([logits[b, l].numpy() for b, l in pos]).astype(np.float32)  # [P, V]
        entry = {
            "task": case["task"], "ids": case["ids"], "inputs": case["inputs"],
            "positions": pos, "logits": save_npy(out, f"{name}.logits.npy", full),
            "logits_shape": [len(pos), V],
            "mask": save_npy(out, f"{name}.mask.npy", allowed01(mask)),
            "max_abs_logit": float(logits.abs().max()),
        }
        if case["task"] == "t2i":
            # Image-column logits [B, N, 8192] at every image position: what T2I sampling reads.
            s = cfg["text_budget"] + 2
            img = logits[:, s:s + cfg["image_tokens"], image_cols[0]:image_cols[1]].numpy().astype(np.float32)
            entry["image_logits"] = save_npy(out, f"{name}.image_logits.npy", img)
            entry["image_positions"] = [s, s + cfg["image_tokens"]]
            entry["image_columns"] = image_cols
        index["showo"]["cases"][name] = entry

    # §3.3's toy layouts: masks only.
    for name, toy in check_toy_matrices().items():
        ids = torch.tensor(toy["ids"], dtype=torch.int64)
        index["masks"][name] = {"task": toy["task"], "ids": toy["ids"], "mask": save_npy(out, f"{name}.mask.npy", allowed01(mask_for(toy["task"], ids)))}

    # --- MAGVIT-v2 -----------------------------------------------------------------------------
    mcfg = MAGVIT2_TINY
    mw = magvit_weights(mcfg, SEED_MAGVIT)
    power_vals, embedding = lfq_buffers(mcfg["z"])
    stored = dict(mw)
    stored["quantize.embedding"] = embedding.numpy().astype(np.float16)
    stored["quantize.power_vals"] = power_vals.numpy().astype(np.int64)
    write_safetensors(os.path.join(out, "magvit2-tiny.safetensors"), stored,
                      {"format": "pt", "model": "magvit2-tiny", "note": "random weights for golden tests; float16 values are the weights"})
    MW = tensors64(mw)
    f = 2 ** (len(mcfg["ch_mult"]) - 1)
    # Random images in [−1, 1]. Codes must be exact on every backend, so an image whose latent has a
    # value too near 0 (where f32 rounding could flip a bit) is replaced by the next draw.
    images, latents, tries = [], [], 0
    while len(images) < 3:
        tries += 1
        img = torch.from_numpy(rng.uniform(-1.0, 1.0, (1, 3, 16, 16)).astype(np.float32))
        lat = encoder(MW, img.to(DT), mcfg)
        if float(lat.abs().min()) < 1e-3 * float(lat.abs().max()):
            continue
        images.append(img)
        latents.append(lat)
    images = torch.cat(images)
    latent = torch.cat(latents)
    codes = lfq_encode(latent, mcfg["z"]).to(torch.int32)
    h = w = 16 // f
    enc = {
        "images": save_npy(out, "vq.images.npy", images.numpy()),
        "codes": save_npy(out, "vq.codes.npy", codes.numpy()),
        "latent": save_npy(out, "vq.latent.npy", latent.numpy().astype(np.float32)),
        "grid": [h, w],
        "min_abs_latent_over_max": float(latent.abs().min() / latent.abs().max()),
    }
    decodes = []
    for k, (gh, gw, b) in enumerate([(4, 4, 3), (2, 4, 2)]):
        dc = torch.from_numpy(rng.integers(0, CODEBOOK, (b, gh * gw))).to(torch.int64)
        pix = decoder(MW, lfq_decode(dc, mcfg["z"], gh, gw), mcfg)
        tag = "vq.decode" if k == 0 else f"vq.decode_{gh}x{gw}"
        decodes.append({
            "codes": save_npy(out, f"{tag}.codes.npy", dc.to(torch.int32).numpy()),
            "pixels": save_npy(out, f"{tag}.pixels.npy", pix.numpy().astype(np.float32)),
            "grid": [gh, gw], "pixels_shape": list(pix.shape),
        })
    index["magvit2"] = {"model": mcfg["name"], "weights": "magvit2-tiny.safetensors", "config": mcfg, "encode": enc, "decode": decodes}

    with open(os.path.join(out, "index.json"), "w") as fh:
        json.dump(index, fh, indent=1)
        fh.write("\n")
    # The id rows alone (JSON array of arrays), as `showo forward --ids` takes them.
    for name, case in cases.items():
        with open(os.path.join(out, f"{name}.ids.json"), "w") as fh:
            fh.write(json.dumps(case["ids"]) + "\n")


def check(folder):
    """Regenerate into a temporary folder and compare every file with `folder`, byte for byte."""
    tmp = tempfile.mkdtemp(prefix="showo-golden-")
    generate(tmp)
    made = sorted(os.listdir(tmp))
    # sample*: the sampling fixtures, made and checked by tests/golden/sampler.py.
    have = sorted(f for f in os.listdir(folder) if not f.startswith(".") and not f.startswith("sample"))
    problems = []
    for f in made:
        if f not in have:
            problems.append(f"{f}: made by reference.py but missing from {folder}")
        elif not filecmp.cmp(os.path.join(tmp, f), os.path.join(folder, f), shallow=False):
            problems.append(f"{f}: differs from the regenerated file")
    for f in have:
        if f not in made:
            problems.append(f"{f}: in {folder} but not made by reference.py")
    if problems:
        print(f"golden fixtures do not reproduce ({len(problems)} problems); regenerated files are in {tmp}", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    shutil.rmtree(tmp)
    print(f"golden fixtures reproduce byte for byte: {len(made)} files in {folder}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", help="write the fixtures into this folder")
    g.add_argument("--check", help="regenerate and compare with this folder byte for byte")
    a = ap.parse_args()
    if a.out:
        generate(a.out)
        print(f"wrote golden fixtures to {a.out}")
        return 0
    return check(a.check)


if __name__ == "__main__":
    sys.exit(main())
