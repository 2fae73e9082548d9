#!/usr/bin/python3
"""Golden greedy MMU answers for showo-tiny, from an independent PyTorch program.

Written from design/showo.md §6.1 (mmu_generate) on top of reference.py's float64 Show-o: for each
question alone, the prompt [MMU] [SOI] image [EOI] [SOT] question runs with
create_attention_mask_for_mmu; then, for every new token, the whole sequence is re-run (no KV
cache). The mask grows as mmu_generate grows it: one new column blocked for every old row, and one
new row that copies the previous last row and allows itself. The next token is the multinomial
draw from the top-1-filtered softmax, that is the argmax over all 58,498 logits. Generation stops
at <|endoftext|> (50256) or after MAX_NEW_TOKENS.

The weights and the image/question ids are reference.py's (same seeds), so the prompts are those
of its `mmu` case, plus shorter questions. Each step also records the gap between the two largest
logits: a float32 backend reproduces the argmax when the gap is far above its rounding.

Usage (/usr/bin/python3 with Debian's python3-torch):
  mmu.py --out DIR     write mmu_greedy.json into DIR
  mmu.py --check DIR   regenerate and compare with DIR/mmu_greedy.json byte for byte
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import argparse  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import reference as ref  # noqa: E402  (sets one BLAS thread, float64)

MAX_NEW_TOKENS = 8
FILE = "mmu_greedy.json"


def grow_mask(mask):
    """mmu_generate's step: additive [1, 1, L, L] → [1, 1, L+1, L+1]."""
    L = mask.shape[-1]
    blocked = torch.iinfo(torch.int64).min
    m = torch.full((1, 1, L + 1, L + 1), float(blocked), dtype=mask.dtype)
    m[..., :L, :L] = mask
    m[..., L, :L] = mask[..., L - 1, :]
    m[..., L, L] = 0.0
    return m


def greedy(W, prompt, cfg):
    ids = list(prompt)
    mask = ref.create_attention_mask_for_mmu(torch.tensor([ids], dtype=torch.int64))
    out, gaps = [], []
    for _ in range(MAX_NEW_TOKENS):
        logits = ref.showo_forward(W, torch.tensor([ids], dtype=torch.int64), mask, cfg)[0, -1]
        top2 = torch.topk(logits, 2).values
        t = int(torch.argmax(logits))
        out.append(t)
        gaps.append(float(top2[0] - top2[1]))
        if t == ref.EOS:
            break
        ids.append(t)
        mask = grow_mask(mask)
    return out, gaps


def generate(folder):
    cfg = ref.SHOWO_TINY
    W = ref.tensors64(ref.showo_weights(cfg, ref.SEED_SHOWO), "showo.")
    rng = np.random.Generator(np.random.PCG64(ref.SEED_INPUTS))
    case = ref.showo_cases(rng, cfg)["mmu"]
    image, question = case["inputs"]["image"], case["inputs"]["question"]
    # The reference case's question, and two shorter ones (a batch of different lengths).
    questions = [question, question[:5], question[:9]]
    cases = []
    for q in questions:
        prompt = ref.mmu_ids(image, q)
        tokens, gaps = greedy(W, prompt, cfg)
        cases.append({"question": q, "ids": prompt, "tokens": tokens, "min_top2_gap": min(gaps)})
    doc = {
        "about": "Greedy MMU decoding of showo-tiny (reference.py's weights), made by tests/golden/mmu.py: "
                 "the whole sequence re-run per token, Show-o's growing MMU mask, argmax over all logits.",
        "weights": "../fixtures/showo-tiny.safetensors",
        "max_new_tokens": MAX_NEW_TOKENS,
        "eos": ref.EOS,
        "image": image,
        "cases": cases,
    }
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, FILE), "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", help="write mmu_greedy.json into this folder")
    g.add_argument("--check", help="regenerate and compare with this folder's mmu_greedy.json")
    a = ap.parse_args()
    if a.out:
        generate(a.out)
        print(f"wrote {os.path.join(a.out, FILE)}")
        return 0
    tmp = tempfile.mkdtemp(prefix="showo-mmu-golden-")
    generate(tmp)
    with open(os.path.join(tmp, FILE), "rb") as f1, open(os.path.join(a.check, FILE), "rb") as f2:
        same = f1.read() == f2.read()
    if not same:
        print(f"{os.path.join(a.check, FILE)} does not reproduce; the regenerated file is in {tmp}", file=sys.stderr)
        return 1
    os.remove(os.path.join(tmp, FILE))
    os.rmdir(tmp)
    print(f"golden MMU answers reproduce byte for byte: {os.path.join(a.check, FILE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
