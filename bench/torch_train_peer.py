"""The PyTorch CPU peer of `showo bench train`: one Show-o training step, on the same machine, in
the same run, alternating with ours.

Run by bench/train.ts as a child process (`$SHOWO_PYTHON`, default /usr/bin/python3, Debian's
python3-torch). The model is tests/golden/reference.py's Show-o (embedding, Phi blocks with QK-Norm
and split-half partial rotary, the additive masks of §3.3, LM head), run in float32 instead of the
reference's float64, with the weights reference.py draws for showo-tiny (the f16 values of
tests/golden/fixtures/showo-tiny.safetensors, which our side loads). The loss is train.py's mixed-
batch objective for any row counts: CE over the T2I rows' image block with no shift, shifted CE on
the LM and MMU rows, total = t2i·L_t2i + lm·L_lm + mmu·L_mmu. One step is what a careful PyTorch user
writes: zero_grad, forward, backward, clip_grad_norm_, torch.optim.AdamW.step(), with every CPU
thread (torch.set_num_threads(os.cpu_count()); reference.py sets 1 for its float64 fixtures).

Protocol, one JSON object per line:
  stdin  line 1  {"ids": [[...]], "labels": [[...]], "tasks": ["t2i", ...], "coefficients": {...},
                  "lr": .., "betas": [.., ..], "eps": .., "weight_decay": .., "max_norm": ..,
                  "grad_param": NAME}
  stdout         {"ready": true, "torch": VERSION, "threads": N, "losses": {...}, "grad_norm": G,
                  "grad": [... values of ∂total/∂NAME at the initial weights ...], "grad_shape": [...]}
  stdin  "step"  one training step (the first after ready starts from the initial weights)
  stdout         {"ms": M, "losses": {...}, "grad_norm": G}   (M: the step alone, time.perf_counter)
  stdin  "quit"  exit
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import reference as ref  # noqa: E402  (sets one thread and float64; both changed below)

IGNORE = -100


def decays(name):
    """The project's default filter (runtime/training/optim.ts): no decay on biases, norms, embeddings."""
    parts = name.split(".")
    if parts[-1] == "bias":
        return False
    return not any("norm" in p.lower() or "embed" in p.lower() for p in parts)


def main():
    torch.set_num_threads(os.cpu_count() or 1)
    ref.DT = torch.float32  # rotary tables and the mask's dtype inside reference.py's forward
    cfg = ref.SHOWO_TINY
    req = json.loads(sys.stdin.readline())
    ids = torch.tensor(req["ids"], dtype=torch.int64)
    labels = torch.tensor(req["labels"], dtype=torch.int64)
    tasks = req["tasks"]
    coeff = req["coefficients"]
    rows = {t: [i for i, k in enumerate(tasks) if k == t] for t in ("t2i", "lm", "mmu")}
    for t, r in rows.items():
        if r and r != list(range(r[0], r[0] + len(r))):
            raise SystemExit(f"{t} rows {r} are not contiguous")
    # §3.3's masks per task, concatenated in row order (the batch is [T2I | LM | MMU]).
    parts = []
    if rows["t2i"]:
        parts.append(ref.create_attention_mask_predict_next(ids[rows["t2i"]], rm_pad_in_image=True))
    if rows["lm"]:
        parts.append(ref.create_attention_mask_predict_next(ids[rows["lm"]], rm_pad_in_image=False))
    if rows["mmu"]:
        parts.append(ref.create_attention_mask_for_mmu(ids[rows["mmu"]]))
    mask = torch.cat(parts).to(torch.float32)

    W0 = ref.tensors64(ref.showo_weights(cfg, ref.SEED_SHOWO), "showo.")
    P = {n: torch.nn.Parameter(w.to(torch.float32)) for n, w in W0.items()}
    names = list(P)
    s = cfg["text_budget"] + 1
    V = cfg["vocab"]

    def losses():
        logits = ref.showo_forward(P, ids, mask, cfg)
        out, total = {}, None
        for t in ("t2i", "lm", "mmu"):
            r = rows[t]
            if not r:
                continue
            a, b = r[0], r[-1] + 1
            if t == "t2i":
                lt = F.cross_entropy(logits[a:b, s:].reshape(-1, V), labels[a:b, s:].reshape(-1), ignore_index=IGNORE)
            else:
                lt = F.cross_entropy(logits[a:b, :-1].reshape(-1, V), labels[a:b, 1:].reshape(-1), ignore_index=IGNORE)
            out[t] = lt
            total = coeff[t] * lt if total is None else total + coeff[t] * lt
        out["total"] = total
        return out

    params = [P[n] for n in names]
    groups = [{"params": [P[n] for n in names if decays(n)], "weight_decay": req["weight_decay"]},
              {"params": [P[n] for n in names if not decays(n)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=req["lr"], betas=tuple(req["betas"]), eps=req["eps"])
    max_norm = req["max_norm"]

    # The check: losses and one gradient at the initial weights (no update).
    ls = losses()
    ls["total"].backward()
    norm = float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params])))
    g = P[req["grad_param"]].grad
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "losses": {k: float(v) for k, v in ls.items()}, "grad_norm": norm,
                      "grad": g.reshape(-1).tolist(), "grad_shape": list(g.shape)}), flush=True)

    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        if cmd != "step":
            raise SystemExit(f"unknown command '{cmd}' (step | quit)")
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        ls = losses()
        ls["total"].backward()
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        opt.step()
        ms = (time.perf_counter() - t0) * 1e3
        print(json.dumps({"ms": ms, "losses": {k: float(v) for k, v in ls.items()}, "grad_norm": float(norm)}), flush=True)


if __name__ == "__main__":
    main()
