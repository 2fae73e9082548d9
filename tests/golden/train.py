#!/usr/bin/python3
"""Golden training fixtures for showo-tiny and magvit2-tiny, from an independent PyTorch program.

Written from the specification (design/showo.md §5) on top of reference.py's float64 models, prompt
builders, masks and weights (same seeds); nothing here reads the TypeScript sources.

  Show-o batch (§5.1, §3.2)  [T2I rows | LM rows | MMU rows], every row of length
                             L = textBudget + N + 3 = 35. Two T2I rows (the second with the
                             dropped condition [T2I] BOS EOS), image positions partly [MASK]; labels
                             as t2i_prompt makes them: the ids with PAD → −100 over the text block,
                             [SOI] and [EOI] labelled with themselves, the true image id at masked
                             positions and −100 at the others. One LM row (BOS text EOS, right-padded
                             with PAD; labels = ids, pads −100). One MMU captioning row
                             [MMU][SOI] image [EOI] BOS text EOS right-padded to textBudget; labels
                             −100 over [MMU], [SOI], the image, [EOI] and the pads.
  masks (§3.3)               T2I create_attention_mask_predict_next(rm_pad_in_image=True), LM
                             predict_next, MMU create_attention_mask_for_mmu, per task, concatenated.
  losses (§5.1)              L_t2i = CE(logits[:2, 17:], labels[:2, 17:]) with no shift (17 = the
                             [SOI] position), L_lm = CE(logits[2:3, :−1], labels[2:3, 1:]), L_mmu
                             likewise on the MMU row; mean over the non-ignored tokens, ignore_index
                             −100, the full 58,498-way vocabulary, no label smoothing;
                             total = 1.0·L_t2i + 0.1·L_lm + 1.0·L_mmu.
  optimiser (§5.3)           10 steps on that one batch: clip_grad_norm_(max_norm 1.0) then AdamW
                             (β 0.9/0.999, eps 1e-8, decoupled weight decay 0.01), written out by hand
                             as torch.optim.AdamW computes it; LR get_cosine_schedule_with_warmup
                             (base 1e-3, warm-up 3, 10 steps; step 0 has lr 0). No decay on biases,
                             LayerNorm weights (names with `layernorm`) and model.embed_tokens.weight.
  MAGVIT-v2 (§7)             z = encoder(x) (quant_conv included); q = sign(z) as ±1;
                             zq = z + stopgrad(q − z); x̂ = decoder(zq); recon = mean|x̂ − x|;
                             commit = mean((z − stopgrad(q))²); LFQ entropy over the 8192 codes with
                             logits 2⟨z, C_j⟩/τ, τ = 0.01: per_sample − 1.0·codebook;
                             total = recon + 0.25·commit + 0.1·entropy.

Stored: the batch's ids, labels and masks; the four Show-o losses and the gradient of the total wrt
every parameter (the two [58498, 64] tensors as a row subset, plus their full per-row L2 norms);
the 10-step trajectory (losses before each update, pre-clip gradient norm, lr), the losses after
the 10th update and the parameters then; the MAGVIT-v2 images, latent, reconstruction, objective
values, each term's gradient wrt the latent and the gradient of the total wrt every parameter.
All arithmetic is float64 on one thread; arrays and the scalars of index.json are stored as float32
values (the float64 results rounded once), the lr values as float64.

Usage (Debian's python3-torch 1.13, python3-numpy; /usr/bin/python3):
  train.py --out DIR     write the fixtures into DIR
  train.py --check DIR   regenerate into a temporary folder and compare with DIR byte for byte
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import argparse  # noqa: E402
import filecmp  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import reference as ref  # noqa: E402  (sets one BLAS thread; float64 models, prompts, masks, weights)

DT = torch.float64
IGNORE = -100
SEED_TRAIN = 20240815  # this program's own draws: image codes, row subset, MAGVIT-v2 images

# Losses (§5.1)
COEFF = {"t2i": 1.0, "lm": 0.1, "mmu": 1.0}
# Optimiser (§5.3, with the project's decay filter)
ADAMW = {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01}
SCHEDULE = {"name": "get_cosine_schedule_with_warmup", "warmup_steps": 3, "total_steps": 10, "num_cycles": 0.5}
CLIP = {"max_norm": 1.0, "eps": 1e-6}
STEPS = 10
RANDOM_ROWS = 256
BIG = ("model.embed_tokens.weight", "lm_head.weight")
# MAGVIT-v2 objective
MAGVIT_LOSS = {"commit_weight": 0.25, "entropy_weight": 0.1, "codebook_weight": 1.0, "tau": 0.01, "log_eps": 1e-12}


# ------------------------------------------------------------------------------------------------
# The Show-o batch


def build_batch(cfg, rng):
    """ids, labels (lists [4][L]) and the per-task inputs, laid out [T2I, T2I, LM, MMU]."""
    N, tb = cfg["image_tokens"], cfg["text_budget"]
    L = tb + N + 3
    caption = [64, 4590, 286, 257, 3797]                    # "a photo of a cat" (GPT-2 ids)
    lm_text = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 50257, 3363]
    mmu_text = [32, 2042, 3797, 5586, 319, 257, 2266, 3084, 13]  # arbitrary caption ids
    codes = [[int(c) for c in rng.integers(0, ref.CODEBOOK, N)] for _ in range(2)]
    mmu_codes = [int(c) for c in rng.integers(0, ref.CODEBOOK, N)]
    # Fixed masked image positions per T2I row (at least one, not all).
    masked = [[1, 2, 5, 8, 9, 12, 15], [0, 3, 4, 6, 7, 9, 10, 11, 13, 14, 15]]

    ids, labels = [], []
    block = tb + 1
    for r in range(2):
        true_img = [ref.IMAGE_OFFSET + c for c in codes[r]]
        img = [ref.MASK if i in masked[r] else t for i, t in enumerate(true_img)]
        row = ref.t2i_ids(caption, img, cfg, drop_condition=(r == 1))
        assert len(row) == L and row[block] == ref.SOI and row[-1] == ref.EOI
        img_labels = [t if i in masked[r] else IGNORE for i, t in enumerate(true_img)]
        lab = [IGNORE if t == ref.PAD else t for t in row[:block]] + [ref.SOI] + img_labels + [ref.EOI]
        ids.append(row)
        labels.append(lab)
    row = ref.lm_ids(lm_text, L)
    ids.append(row)
    labels.append([IGNORE if t == ref.PAD else t for t in row])
    text = [ref.BOS] + mmu_text + [ref.EOS]
    assert len(text) <= tb
    text = text + [ref.PAD] * (tb - len(text))
    row = [ref.MMU, ref.SOI] + [ref.IMAGE_OFFSET + c for c in mmu_codes] + [ref.EOI] + text
    assert len(row) == L
    ids.append(row)
    labels.append([IGNORE] * (N + 3) + [IGNORE if t == ref.PAD else t for t in text])
    inputs = {"t2i": {"text": caption, "codes": codes, "masked_positions": masked, "dropped_condition": [False, True]},
              "lm": {"text": lm_text}, "mmu": {"text": mmu_text, "codes": mmu_codes}}
    return ids, labels, inputs


def batch_mask(ids):
    """Per task, then concatenated: T2I rows 0–1, LM row 2, MMU row 3 → additive [4, 1, L, L]."""
    return torch.cat([
        ref.create_attention_mask_predict_next(ids[0:2], rm_pad_in_image=True),
        ref.create_attention_mask_predict_next(ids[2:3], rm_pad_in_image=False),
        ref.create_attention_mask_for_mmu(ids[3:4]),
    ])


def showo_losses(W, ids, labels, mask, cfg):
    """(L_t2i, L_lm, L_mmu, total) as float64 scalars (with graph)."""
    logits = ref.showo_forward(W, ids, mask, cfg)
    V = logits.shape[-1]
    s = cfg["text_budget"] + 1
    t2i = F.cross_entropy(logits[:2, s:].reshape(-1, V), labels[:2, s:].reshape(-1), ignore_index=IGNORE)
    lm = F.cross_entropy(logits[2:3, :-1].reshape(-1, V), labels[2:3, 1:].reshape(-1), ignore_index=IGNORE)
    mmu = F.cross_entropy(logits[3:4, :-1].reshape(-1, V), labels[3:4, 1:].reshape(-1), ignore_index=IGNORE)
    total = COEFF["t2i"] * t2i + COEFF["lm"] * lm + COEFF["mmu"] * mmu
    return t2i, lm, mmu, total


def lr_at(k):
    """get_cosine_schedule_with_warmup's lr for the optimiser step with 0-based index k."""
    w, T = SCHEDULE["warmup_steps"], SCHEDULE["total_steps"]
    if k < w:
        return ADAMW["lr"] * k / max(1, w)
    progress = (k - w) / max(1, T - w)
    return ADAMW["lr"] * max(0.0, 0.5 * (1.0 + math.cos(math.pi * SCHEDULE["num_cycles"] * 2.0 * progress)))


def decays(name):
    """The project's default filter: no decay on biases, LayerNorm weights and the token embedding."""
    return not (name.endswith(".bias") or "layernorm" in name or name == "model.embed_tokens.weight")


def subset(name, a, rows):
    """The stored form of a parameter-shaped float64 tensor: a row subset for the two big ones."""
    a = a.detach()
    if name in BIG:
        a = a[torch.tensor(rows, dtype=torch.int64)]
    return a.numpy().astype(np.float32)


def f32(x):
    """A float64 scalar as stored in index.json: rounded once to float32 (like the arrays)."""
    return float(np.float32(float(x)))


def losses_dict(t):
    return {"t2i": f32(t[0]), "lm": f32(t[1]), "mmu": f32(t[2]), "total": f32(t[3])}


def showo_part(out, index):
    cfg = ref.SHOWO_TINY
    W0 = ref.tensors64(ref.showo_weights(cfg, ref.SEED_SHOWO), "showo.")
    names = list(W0)  # the checkpoint order (clip_grad_norm_ sums per-parameter norms in this order)
    rng = np.random.Generator(np.random.PCG64(SEED_TRAIN))
    ids_l, labels_l, inputs = build_batch(cfg, rng)
    ids = torch.tensor(ids_l, dtype=torch.int64)
    labels = torch.tensor(labels_l, dtype=torch.int64)
    mask = batch_mask(ids)
    V = cfg["vocab"]

    # Row subset of the two [V, H] tensors: every id of the batch's ids and labels, plus random rows.
    used = set(int(t) for t in ids.flatten()) | set(int(t) for t in labels.flatten() if t != IGNORE)
    drawn = set(int(r) for r in rng.choice(V, RANDOM_ROWS, replace=False))
    rows = sorted(used | drawn)

    s = cfg["text_budget"] + 1
    counts = {"t2i": int((labels[:2, s:] != IGNORE).sum()), "lm": int((labels[2:3, 1:] != IGNORE).sum()),
              "mmu": int((labels[3:4, 1:] != IGNORE).sum())}

    P = {n: W0[n].clone().requires_grad_(True) for n in names}
    m = {n: torch.zeros_like(W0[n]) for n in names}
    v = {n: torch.zeros_like(W0[n]) for n in names}
    b1, b2 = ADAMW["betas"]
    eps, wd = ADAMW["eps"], ADAMW["weight_decay"]
    trajectory = []
    for k in range(STEPS):
        t2i, lm, mmu, total = showo_losses(P, ids, labels, mask, cfg)
        grads = torch.autograd.grad(total, [P[n] for n in names])
        G = dict(zip(names, grads))
        # clip_grad_norm_: the norm of the per-parameter 2-norms, then g·min(1, max/(norm + 1e-6)).
        norm = float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(G[n]) for n in names])))
        coef = min(1.0, CLIP["max_norm"] / (norm + CLIP["eps"]))
        lr = lr_at(k)
        trajectory.append({"step": k, "losses": losses_dict((t2i, lm, mmu, total)), "grad_norm": f32(norm),
                           "clip_coef": f32(coef), "lr": lr})
        if k == 0:
            initial = losses_dict((t2i, lm, mmu, total))
            grad0 = {n: subset(n, G[n], rows) for n in names}
            row_norms = {n: torch.linalg.vector_norm(G[n], dim=1).numpy().astype(np.float32) for n in BIG}
            embed_zero_outside = bool((G["model.embed_tokens.weight"][
                torch.tensor(sorted(set(range(V)) - set(int(t) for t in ids.flatten())))] == 0).all())
        t = k + 1
        bc1, bc2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        with torch.no_grad():
            for n in names:
                g = G[n] * coef
                p = P[n].detach()
                if decays(n):
                    p = p * (1.0 - lr * wd)
                m[n] = b1 * m[n] + (1.0 - b1) * g
                v[n] = b2 * v[n] + (1.0 - b2) * g * g
                p = p - (lr / bc1) * (m[n] / (v[n].sqrt() / math.sqrt(bc2) + eps))
                P[n] = p.clone().requires_grad_(True)
    with torch.no_grad():
        final = losses_dict(showo_losses(P, ids, labels, mask, cfg))
    params10 = {n: subset(n, P[n], rows) for n in names}

    ref.write_safetensors(os.path.join(out, "showo.grad.safetensors"), grad0,
                          {"format": "pt", "model": "showo-tiny", "note": "gradient of the total loss at the initial weights (before clipping); "
                           "model.embed_tokens.weight and lm_head.weight: the rows of index.json showo.rows only"})
    ref.write_safetensors(os.path.join(out, "showo.params10.safetensors"), params10,
                          {"format": "pt", "model": "showo-tiny", "note": "parameters after 10 AdamW steps; "
                           "model.embed_tokens.weight and lm_head.weight: the rows of index.json showo.rows only"})
    norm_files = {}
    for n in BIG:
        norm_files[n] = ref.save_npy(out, f"showo.grad_row_norms.{n}.npy", row_norms[n])
    mask_file = ref.save_npy(out, "showo.mask.npy", ref.allowed01(mask))
    shapes = {n: list(W0[n].shape) for n in names}
    stored_shapes = {n: list(grad0[n].shape) for n in names}

    index["showo"] = {
        "model": cfg["name"], "config": cfg,
        "weights": "reference.py showo_weights(SHOWO_TINY, SEED_SHOWO) = tests/golden/fixtures/showo-tiny.safetensors "
                   "(f16 values widened); parameter names here drop the `showo.` prefix",
        "batch": {
            "layout": [{"task": "t2i", "rows": [0, 2]}, {"task": "lm", "rows": [2, 3]}, {"task": "mmu", "rows": [3, 4]}],
            "seq_len": ids.shape[1], "ids": ids_l, "labels": labels_l, "inputs": inputs,
            "mask": mask_file, "mask_note": "0/1 uint8 [4, L, L] (1 = allowed): T2I rows predict_next with rm_pad_in_image, "
                                           "LM row predict_next, MMU row create_attention_mask_for_mmu",
        },
        "loss": {
            "coefficients": COEFF, "ignore_index": IGNORE, "vocab": V, "label_smoothing": 0.0, "reduction": "mean over non-ignored",
            "t2i": {"rows": [0, 2], "from_position": s, "shift": False},
            "lm": {"rows": [2, 3], "shift": True},
            "mmu": {"rows": [3, 4], "shift": True},
            "counted_tokens": counts,
        },
        "initial_losses": initial,
        "grad": {
            "file": "showo.grad.safetensors", "of": "total (before clipping)", "dtype": "F32",
            "shapes": shapes, "stored_shapes": stored_shapes,
            "row_subset": {"tensors": list(BIG), "rows": "showo.rows"},
            "row_norms": norm_files, "row_norms_shape": [V],
            "embed_tokens_zero_outside_ids": embed_zero_outside,
        },
        "rows": rows,
        "rows_rule": f"sorted union of every id in batch.ids and every non-ignored label, and {RANDOM_ROWS} rows drawn "
                     f"without replacement by numpy PCG64({SEED_TRAIN}) after the image codes",
        "train": {
            "steps": STEPS,
            "optimizer": dict(ADAMW, name="AdamW", decoupled_weight_decay=True,
                              update="p ← p·(1 − lr·wd) [decayed only]; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; "
                                     "p ← p − (lr/bc1)·m/(√v/√bc2 + eps); bc1 = 1−β1^t, bc2 = 1−β2^t, t = k+1"),
            "schedule": dict(SCHEDULE, base_lr=ADAMW["lr"],
                             formula="lr_k = base·k/warmup for k < warmup, else base·0.5·(1 + cos(π·(k − warmup)/(total − warmup)))"),
            "clip": dict(CLIP, formula="norm = ‖(‖g_p‖₂ for every p)‖₂; g ← g·min(1, max_norm/(norm + eps))"),
            "no_decay": [n for n in names if not decays(n)],
            "decay": [n for n in names if decays(n)],
            "decay_rule": "no decay on names ending .bias, names containing layernorm, and model.embed_tokens.weight",
            "trajectory": trajectory,
            "trajectory_note": "per step k: losses at the parameters before update k, the pre-clip gradient norm, "
                               "the clip coefficient and lr_k",
            "final_losses": final,
            "params": {"file": "showo.params10.safetensors", "after_steps": STEPS, "dtype": "F32",
                       "stored_shapes": {n: list(params10[n].shape) for n in names},
                       "row_subset": {"tensors": list(BIG), "rows": "showo.rows"}},
        },
    }


# ------------------------------------------------------------------------------------------------
# MAGVIT-v2


def magvit_objective(W, x, cfg):
    z = ref.encoder(W, x, cfg)                                   # [B, 13, h, w]
    q = torch.where(z > 0, torch.ones_like(z), -torch.ones_like(z))
    zq = z + (q - z).detach()
    xh = ref.decoder(W, zq, cfg)
    recon_l1 = (xh - x).abs().mean()
    recon_l2 = ((xh - x) ** 2).mean()
    commit = ((z - q.detach()) ** 2).mean()
    _, C = ref.lfq_buffers(cfg["z"])
    C = C.to(DT)                                                 # [8192, 13], channel 0 = MSB
    zn = z.permute(0, 2, 3, 1).reshape(-1, cfg["z"])             # [n, 13]
    logits = 2.0 * (zn @ C.t()) / MAGVIT_LOSS["tau"]
    logp = torch.log_softmax(logits, dim=-1)
    p = logp.exp()
    per_sample = (-(p * logp).sum(-1)).mean()
    avg = p.mean(0)
    codebook = -(avg * torch.log(torch.clamp(avg, min=MAGVIT_LOSS["log_eps"]))).sum()
    entropy = per_sample - MAGVIT_LOSS["codebook_weight"] * codebook
    total = recon_l1 + MAGVIT_LOSS["commit_weight"] * commit + MAGVIT_LOSS["entropy_weight"] * entropy
    return {"recon_l1": recon_l1, "recon_l2": recon_l2, "commit": commit, "per_sample_entropy": per_sample,
            "codebook_entropy": codebook, "entropy": entropy, "total": total,
            "z": z, "xh": xh, "max_abs_logit": logits.abs().max()}


def magvit_part(out, index):
    cfg = ref.MAGVIT2_TINY
    W0 = ref.tensors64(ref.magvit_weights(cfg, ref.SEED_MAGVIT))
    names = list(W0)
    rng = np.random.Generator(np.random.PCG64(SEED_TRAIN + 1))
    # Images in [−1, 1] stored as float32. As in reference.py, an image whose latent has a value too
    # near 0 (where float32 rounding could flip a sign) is replaced by the next draw.
    images, tries = [], 0
    while len(images) < 2:
        tries += 1
        img = torch.from_numpy(rng.uniform(-1.0, 1.0, (1, 3, 16, 16)).astype(np.float32))
        lat = ref.encoder(W0, img.to(DT), cfg)
        if float(lat.abs().min()) < 1e-3 * float(lat.abs().max()):
            continue
        images.append(img)
    x32 = torch.cat(images)
    x = x32.to(DT)
    P = {n: W0[n].clone().requires_grad_(True) for n in names}
    o = magvit_objective(P, x, cfg)
    terms = ("recon_l1", "recon_l2", "commit", "per_sample_entropy", "codebook_entropy", "entropy", "total")
    # Each term's gradient wrt the latent z (through the straight-through estimator for the recon terms).
    zg = {k: torch.autograd.grad(o[k], o["z"], retain_graph=True)[0].numpy().astype(np.float32) for k in terms}
    grads = torch.autograd.grad(o["total"], [P[n] for n in names])
    G = {n: g.numpy().astype(np.float32) for n, g in zip(names, grads)}
    ref.write_safetensors(os.path.join(out, "magvit2.latent_grads.safetensors"), zg,
                          {"format": "pt", "model": "magvit2-tiny", "note": "gradient of each objective term wrt the latent z [B, 13, h, w]"})
    ref.write_safetensors(os.path.join(out, "magvit2.grad.safetensors"), G,
                          {"format": "pt", "model": "magvit2-tiny", "note": "gradient of the total (L1 recon) objective"})
    z = o["z"].detach()
    index["magvit2"] = {
        "model": cfg["name"], "config": cfg,
        "weights": "reference.py magvit_weights(MAGVIT2_TINY, SEED_MAGVIT) = tests/golden/fixtures/magvit2-tiny.safetensors "
                   "(f16 values widened; the quantize.* buffers are not parameters)",
        "images": ref.save_npy(out, "magvit2.images.npy", x32.numpy()), "images_shape": list(x32.shape),
        "images_rule": f"uniform [−1, 1] from numpy PCG64({SEED_TRAIN + 1}), rounded to float32; draws whose latent has "
                       f"min|z| < 1e-3·max|z| are skipped ({tries} drawn)",
        "latent": ref.save_npy(out, "magvit2.latent.npy", z.numpy().astype(np.float32)), "latent_shape": list(z.shape),
        "reconstruction": ref.save_npy(out, "magvit2.reconstruction.npy", o["xh"].detach().numpy().astype(np.float32)),
        "min_abs_latent_over_max": f32(z.abs().min() / z.abs().max()),
        "objective": dict(MAGVIT_LOSS, codebook_size=2 ** cfg["z"], recon="l1",
                          formula="total = mean|x̂ − x| + commit_weight·mean((z − sg(q))²) + entropy_weight·(per_sample − "
                                  "codebook_weight·codebook); q = where(z > 0, 1, −1); x̂ = decoder(z + sg(q − z)); "
                                  "logits_nj = 2⟨z_n, C_j⟩/tau, C_j[c] = +1 if bit (12 − c) of j else −1; "
                                  "per_sample = mean_n(−Σ_j p log p) with log p = log_softmax; "
                                  "codebook = −Σ_j avg_j·log(max(avg_j, log_eps)), avg = mean_n p_n; "
                                  "z positions n in (b, y, x) order"),
        "values": {k: f32(o[k]) for k in terms},
        "max_abs_entropy_logit": f32(o["max_abs_logit"]),
        "grad": {"file": "magvit2.grad.safetensors", "of": "total (recon_l1 variant)", "dtype": "F32",
                 "shapes": {n: list(W0[n].shape) for n in names}},
        "latent_grads": {"file": "magvit2.latent_grads.safetensors", "of": "each term in values, wrt z (recon terms "
                         "through the straight-through zq)", "keys": list(terms), "shape": list(z.shape), "dtype": "F32"},
    }


# ------------------------------------------------------------------------------------------------


def generate(out):
    os.makedirs(out, exist_ok=True)
    index = {
        "about": "Golden training fixtures for showo-tiny and magvit2-tiny, made by tests/golden/train.py (float64 "
                 "PyTorch on reference.py's models and weights). Arrays are .npy / F32 safetensors in this folder "
                 "(float64 results rounded once); scalars here are float32 values too, except the lr values (float64).",
    }
    showo_part(out, index)
    magvit_part(out, index)
    with open(os.path.join(out, "index.json"), "w") as fh:
        json.dump(index, fh, indent=1, ensure_ascii=False)
        fh.write("\n")


def check(folder):
    """Regenerate into a temporary folder and compare every file with `folder`, byte for byte."""
    tmp = tempfile.mkdtemp(prefix="showo-train-golden-")
    generate(tmp)
    made = sorted(os.listdir(tmp))
    have = sorted(f for f in os.listdir(folder) if not f.startswith("."))
    problems = []
    for f in made:
        if f not in have:
            problems.append(f"{f}: made by train.py but missing from {folder}")
        elif not filecmp.cmp(os.path.join(tmp, f), os.path.join(folder, f), shallow=False):
            problems.append(f"{f}: differs from the regenerated file")
    for f in have:
        if f not in made:
            problems.append(f"{f}: in {folder} but not made by train.py")
    if problems:
        print(f"training fixtures do not reproduce ({len(problems)} problems); regenerated files are in {tmp}", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    shutil.rmtree(tmp)
    print(f"training fixtures reproduce byte for byte: {len(made)} files in {folder}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", help="write the fixtures into this folder")
    g.add_argument("--check", help="regenerate and compare with this folder byte for byte")
    a = ap.parse_args()
    if a.out:
        generate(a.out)
        print(f"wrote training fixtures to {a.out}")
        return 0
    return check(a.check)


if __name__ == "__main__":
    sys.exit(main())
