#!/usr/bin/python3
"""Golden fixtures for T2I sampling (guided text-to-image and inpainting) with showo-tiny.

An independent PyTorch sampler written from the specification (design/showo.md §6.2, §6.3), on
the float64 model of tests/golden/reference.py (same golden weights, same masks). Randomness is
data: a noise array u of shape [steps, batch, N, 2] of uniforms in (0, 1).

Per step s = 0..T−1 (ratio = (s+1)/T):
  - the unconditional twins take the conditional rows' ids from [SOI] onward; one forward on
    [cond; uncond]; ℓ = (1 + g)·ℓ_cond − g·ℓ_uncond over the image positions and the 8192 code
    columns [50305, 58497); p = softmax(ℓ), no temperature
  - code = the first index whose cumulative probability exceeds u[s, b, n, 0]·Σp (inverse CDF)
  - known positions (input not [MASK]) keep their code; confidence = log(max(p_code, 1e-20))
    (known: log(float32 max)) + τ_s·(−log(max(−log(max(u[s, b, n, 1], 1e-20)), 1e-20)))
  - mask_ratio = cos(π/2·ratio) in float32 (as Show-o evaluates it on a float32 tensor);
    mask_len = max(1, min(unknown − 1, floor(N·mask_ratio))) with N the total image tokens
  - τ_s = τ_{s−1}·(1 − ratio) from τ₋₁ = temperature (compounding)
  - positions whose confidence is below the mask_len-th smallest (0-based index mask_len of the
    sorted confidences; strict <) become [MASK]; the others take their sampled code
The result is the last step's sampled codes at all N positions.

It also stores the inpainting mask's resize to the code grid (§6.3): a random grey mask through
F.interpolate(mode="bicubic", align_corners=False) and its 0.5 threshold.

Choosing the noise: the TypeScript sampler reads float32 logits from the WGSL backend, which
differ from these float64 logits by ~1e-6 relative. For the codes to be comparable exactly, the
fixture's uniforms are drawn so that no decision sits near a rounding boundary: each categorical
uniform is moved to the centre of the drawn code's CDF bin (redrawn while that bin is narrower
than 1e-4 of the total), and a row's Gumbel uniforms are redrawn while the two confidences around
the re-mask cut are closer than 1e-3. The stored noise is then replayed by the plain sampler
above from scratch, which must give the same codes.

Usage (/usr/bin/python3 with python3-torch and python3-numpy):
  sampler.py --out DIR     write the sampling fixtures (sample*) into DIR
  sampler.py --check DIR   regenerate into a temporary folder and compare with DIR byte for byte
"""

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import argparse
import filecmp
import json
import math
import shutil
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as ref  # noqa: E402

torch.set_num_threads(1)

N_CODES = ref.CODEBOOK
LOG_F32_MAX = math.log(float(torch.finfo(torch.float32).max))
MIN_BIN = 1e-4
MIN_GAP = 1e-3
SEED_NOISE = 20240815


def clamped_log(x):
    return torch.log(torch.clamp(x, min=1e-20))


def gumbel(u):
    return -clamped_log(-clamped_log(u))


def mask_ratio_cosine(ratio):
    """Show-o evaluates the schedule on torch.tensor(ratio): float32."""
    return torch.cos(torch.tensor(ratio, dtype=torch.float32) * math.pi * 0.5)


def mask_len_of(N, ratio, unknown):
    want = int(torch.floor(N * mask_ratio_cosine(ratio)))
    return max(1, min(unknown - 1, want))


class Sampler:
    """Show-o T2I decoding on the float64 reference model, one step at a time."""

    def __init__(self, W, cfg, cond, uncond, steps, guidance, temperature):
        self.W, self.cfg = W, cfg
        self.N = cfg["image_tokens"]
        self.s0 = cfg["text_budget"] + 2  # first image position: text block, then [SOI]
        self.ids = [list(r) for r in cond]
        self.uncond = [list(r) for r in uncond]
        self.T, self.g, self.tau = steps, guidance, temperature

    def probs(self):
        """p = softmax((1+g)·ℓ_cond − g·ℓ_uncond) over the code columns: float64 [B, N, 8192]."""
        B, s0, N = len(self.ids), self.s0, self.N
        rows = self.ids + [u[:s0 - 1] + c[s0 - 1:] for u, c in zip(self.uncond, self.ids)]
        ids = torch.tensor(rows, dtype=torch.int64)
        mask = ref.create_attention_mask_predict_next(ids, rm_pad_in_image=True)
        logits = ref.showo_forward(self.W, ids, mask, self.cfg)[:, s0:s0 + N, ref.IMAGE_OFFSET:ref.IMAGE_OFFSET + N_CODES]
        l = (1 + self.g) * logits[:B] - self.g * logits[B:]
        return torch.softmax(l, dim=-1)

    def draw(self, p, u0):
        """Inverse CDF: the first code whose cumulative probability exceeds u·total. p [N, C], u0 [N]."""
        cdf = torch.cumsum(p, dim=-1)
        target = u0.to(torch.float64) * cdf[:, -1]
        idx = torch.searchsorted(cdf, target[:, None], right=True)[:, 0]
        return torch.clamp(idx, max=N_CODES - 1), cdf

    def confidence(self, b, p, codes, u1, tau):
        unknown = torch.tensor([t == ref.MASK for t in self.ids[b][self.s0:self.s0 + self.N]])
        sel = p.gather(-1, codes[:, None])[:, 0]
        base = torch.where(unknown, clamped_log(sel), torch.full_like(sel, LOG_F32_MAX))
        return base + tau * gumbel(u1.to(torch.float64)), unknown

    def finish_row(self, b, sampled, conf, unknown, ratio):
        k = mask_len_of(self.N, ratio, int(unknown.sum()))
        cut = torch.sort(conf).values[k]
        masking = conf < cut
        for n in range(self.N):
            self.ids[b][self.s0 + n] = ref.MASK if bool(masking[n]) else int(sampled[n]) + ref.IMAGE_OFFSET
        return k

    def known_codes(self, b):
        return torch.tensor([t - ref.IMAGE_OFFSET if t != ref.MASK else 0 for t in self.ids[b][self.s0:self.s0 + self.N]])

    def run(self, noise):
        """Plain decoding with a given noise array [T, B, N, 2] (float32) → codes int32 [B, N]."""
        u = torch.from_numpy(noise)
        tau = self.tau
        out = None
        for s in range(self.T):
            ratio = (s + 1) / self.T
            tau = tau * (1.0 - ratio)
            p = self.probs()
            out = []
            for b in range(len(self.ids)):
                drawn, _ = self.draw(p[b], u[s, b, :, 0])
                conf, unknown = self.confidence(b, p[b], drawn, u[s, b, :, 1], tau)
                sampled = torch.where(unknown, drawn, self.known_codes(b))
                self.finish_row(b, sampled, conf, unknown, ratio)
                out.append(sampled)
        return torch.stack(out).to(torch.int32).numpy()


def craft_noise(sampler, rng):
    """Run the sampler while choosing each step's uniforms away from rounding boundaries."""
    T, B, N = sampler.T, len(sampler.ids), sampler.N
    noise = np.zeros((T, B, N, 2), dtype=np.float32)

    def uniform(shape):
        return rng.integers(1, 2 ** 24, shape).astype(np.float64) / 2 ** 24  # exact in float32, in (0, 1)

    tau = sampler.tau
    for s in range(T):
        ratio = (s + 1) / T
        tau = tau * (1.0 - ratio)
        p = sampler.probs()
        for b in range(B):
            pb = p[b]
            cdf = torch.cumsum(pb, dim=-1)
            u0 = np.zeros(N, dtype=np.float32)
            for n in range(N):
                for _ in range(1000):
                    k = int(torch.searchsorted(cdf[n], torch.tensor([uniform(()) * float(cdf[n, -1])], dtype=torch.float64), right=True)[0])
                    k = min(k, N_CODES - 1)
                    lo = float(cdf[n, k - 1]) if k > 0 else 0.0
                    hi = float(cdf[n, k])
                    if (hi - lo) >= MIN_BIN * float(cdf[n, -1]):
                        break
                else:
                    raise RuntimeError("no categorical draw with a wide enough bin")
                u0[n] = np.float32((lo + hi) / 2 / float(cdf[n, -1]))
            drawn, _ = sampler.draw(pb, torch.from_numpy(u0))
            unknown_now = torch.tensor([t == ref.MASK for t in sampler.ids[b][sampler.s0:sampler.s0 + N]])
            for _ in range(1000):
                u1 = uniform(N).astype(np.float32)
                conf, unknown = sampler.confidence(b, pb, drawn, torch.from_numpy(u1), tau)
                k = mask_len_of(N, ratio, int(unknown_now.sum()))
                srt = torch.sort(conf).values
                if s == T - 1 or float(srt[k] - srt[k - 1]) >= MIN_GAP:
                    break
            else:
                raise RuntimeError("no Gumbel draw with a clear cut")
            noise[s, b, :, 0] = u0
            noise[s, b, :, 1] = u1
            sampled = torch.where(unknown, drawn, sampler.known_codes(b))
            sampler.finish_row(b, sampled, conf, unknown, ratio)
    return noise


CASES = {
    # Two prompts with guidance: every image position starts as [MASK].
    "sample_t2i": dict(texts=[[64, 4590, 286, 257, 3797], [32, 2266, 1097, 319, 262, 10481, 13]], steps=5, guidance=1.75, temperature=1.0, hole=None),
    # Inpainting: known codes with a [MASK] hole (a 2×2 block and two more positions).
    "sample_inpaint": dict(texts=[[2, 4171, 6766, 2029, 257, 3952]], steps=4, guidance=1.5, temperature=1.0, hole=[5, 6, 9, 10, 3, 12]),
}


def generate(out):
    os.makedirs(out, exist_ok=True)
    cfg = ref.SHOWO_TINY
    W = ref.tensors64(ref.showo_weights(cfg, ref.SEED_SHOWO), "showo.")
    rng = np.random.Generator(np.random.PCG64(SEED_NOISE))
    N = cfg["image_tokens"]
    index = {"about": "T2I sampling fixtures made by tests/golden/sampler.py from showo-tiny.safetensors (see its docstring)", "cases": {}}
    for name, c in CASES.items():
        if c["hole"] is None:
            images = [[ref.MASK] * N for _ in c["texts"]]
        else:
            codes = rng.integers(0, N_CODES, N)
            images = [[ref.MASK if n in c["hole"] else int(ref.IMAGE_OFFSET + codes[n]) for n in range(N)]]
        cond = [ref.t2i_ids(t, img, cfg) for t, img in zip(c["texts"], images)]
        uncond = [ref.t2i_ids([], img, cfg, drop_condition=True) for img in images]
        noise = craft_noise(Sampler(W, cfg, cond, uncond, c["steps"], c["guidance"], c["temperature"]), rng)
        codes_out = Sampler(W, cfg, cond, uncond, c["steps"], c["guidance"], c["temperature"]).run(noise)
        for b, img in enumerate(images):
            for n, t in enumerate(img):
                if t != ref.MASK:
                    assert codes_out[b, n] == t - ref.IMAGE_OFFSET, "a known code changed"
        with open(os.path.join(out, f"{name}.ids.json"), "w") as fh:
            fh.write(json.dumps(cond) + "\n")
        with open(os.path.join(out, f"{name}.uncond.json"), "w") as fh:
            fh.write(json.dumps(uncond) + "\n")
        ref.save_npy(out, f"{name}.noise.npy", noise)
        ref.save_npy(out, f"{name}.codes.npy", codes_out)
        index["cases"][name] = {
            "ids": f"{name}.ids.json", "uncond": f"{name}.uncond.json", "noise": f"{name}.noise.npy", "codes": f"{name}.codes.npy",
            "steps": c["steps"], "guidance": c["guidance"], "temperature": c["temperature"], "schedule": "cosine", "annealing": "compounding",
            "texts": c["texts"],
        }
    # The inpainting mask's last resize (§6.3): torch's bicubic interpolation (align_corners=False)
    # of a [0, 1] grey mask down to the code grid, then the 0.5 threshold.
    m = rng.integers(0, 256, (1, 1, 16, 16)).astype(np.float64)
    m[:, :, 4:12, 6:14] = np.maximum(m[:, :, 4:12, 6:14], 200)  # a bright block, so some codes pass 0.5
    grey = torch.from_numpy(m / 255.0).to(torch.float32)
    small = torch.nn.functional.interpolate(grey, size=4, mode="bicubic", align_corners=False)
    index["mask"] = {
        "grey": [int(v) for v in m.reshape(-1)], "size": [16, 16], "grid": [4, 4],
        "resized": [float(v) for v in small.reshape(-1)], "bits": [int(v >= 0.5) for v in small.reshape(-1)],
    }
    with open(os.path.join(out, "sample.index.json"), "w") as fh:
        json.dump(index, fh, indent=1)
        fh.write("\n")


def check(folder):
    tmp = tempfile.mkdtemp(prefix="showo-sampler-")
    generate(tmp)
    problems = []
    made = sorted(os.listdir(tmp))
    for f in made:
        if not os.path.exists(os.path.join(folder, f)):
            problems.append(f"{f}: made by sampler.py but missing from {folder}")
        elif not filecmp.cmp(os.path.join(tmp, f), os.path.join(folder, f), shallow=False):
            problems.append(f"{f}: differs from the regenerated file")
    for f in sorted(os.listdir(folder)):
        if f.startswith("sample") and f not in made:
            problems.append(f"{f}: in {folder} but not made by sampler.py")
    if problems:
        print(f"sampling fixtures do not reproduce ({len(problems)} problems); regenerated files are in {tmp}", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    shutil.rmtree(tmp)
    print(f"sampling fixtures reproduce byte for byte: {len(made)} files in {folder}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", help="write the sampling fixtures into this folder")
    g.add_argument("--check", help="regenerate and compare with this folder byte for byte")
    a = ap.parse_args()
    if a.out:
        generate(a.out)
        print(f"wrote sampling fixtures to {a.out}")
        return 0
    return check(a.check)


if __name__ == "__main__":
    sys.exit(main())
