"""The PyTorch peer of `showo bench matmul|showo-forward --target cuda`, on the same GPU.

Run by bench/cuda.ts as a child process; prints one JSON object as its last line:

  {"device": NAME, "torch": VERSION, "median_ms": M, "min_ms": A, "max_ms": B, "first_ms": F, "check": ...}

Timing matches ours: inputs resident on the GPU, the work launched and then torch.cuda.synchronize(),
host wall time, median of `reps` after `warmup` untimed runs.

  matmul N REPS WARMUP
      f32 a[N, N] @ b[N, N] with TF32 off (ours computes in f32 too); checked against float64.
  showo-forward CONFIG_JSON BATCH SEQ REPS WARMUP
      Show-o's forward (Phi-1.5 with QK-Norm and partial rotary, as tests/golden/reference.py and
      design/showo.md) in f32 with random weights, attention by F.scaled_dot_product_attention
      with is_causal=True: ids [BATCH, SEQ] → logits [BATCH, SEQ, vocab].
"""

import json
import statistics
import sys
import time

import torch


def timed(fn, reps, warmup):
    def once():
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        return (time.perf_counter() - t0) * 1e3

    first = once()
    for _ in range(1, warmup):
        once()
    samples = [once() for _ in range(max(1, reps))]
    return {"median_ms": statistics.median(samples), "min_ms": min(samples), "max_ms": max(samples), "first_ms": first}


def matmul(n, reps, warmup):
    torch.backends.cuda.matmul.allow_tf32 = False
    g = torch.Generator(device="cuda").manual_seed(0x5EED + n)
    a = torch.rand((n, n), device="cuda", generator=g) * 2 - 1
    b = torch.rand((n, n), device="cuda", generator=g) * 2 - 1
    c = a @ b
    ref = a.double() @ b.double()
    err = (c.double() - ref).abs().max().item()
    scale = max(1.0, ref.abs().max().item())
    if not err <= 1e-4 * scale:
        raise SystemExit(f"torch.matmul {n}: max |err| {err} > {1e-4 * scale} against float64")
    r = timed(lambda: a @ b, reps, warmup)
    r["check"] = f"max |err| vs float64 {err:.2e} (max |c| {scale:.3g})"
    return r


def showo_forward(cfg, batch, seq, reps, warmup):
    import torch.nn.functional as F

    H, nh, V, eps = cfg["hidden"], cfg["heads"], cfg["vocab"], cfg["eps"]
    hd = H // nh
    rot = int(hd * cfg["partialRotary"])
    g = torch.Generator(device="cuda").manual_seed(20240815)

    def randn(*shape):
        return torch.randn(shape, device="cuda", generator=g) * 0.02

    def linear(o, k):
        return randn(o, k), torch.zeros(o, device="cuda")

    ones, zeros = (lambda d: torch.ones(d, device="cuda")), (lambda d: torch.zeros(d, device="cuda"))
    layers = [dict(ln=(ones(H), zeros(H)), qn=(ones(hd), zeros(hd)), kn=(ones(hd), zeros(hd)),
                   q=linear(H, H), k=linear(H, H), v=linear(H, H), dense=linear(H, H),
                   fc1=linear(cfg["mlp"], H), fc2=linear(H, cfg["mlp"])) for _ in range(cfg["layers"])]
    embed, final, head = randn(V, H), (ones(H), zeros(H)), linear(V, H)
    # Partial rotary (split-half on the first `rot` dims of each head), as design/showo.md.
    inv = 1.0 / (cfg["ropeBase"] ** (torch.arange(0, rot, 2, device="cuda", dtype=torch.float32) / rot))
    ang = torch.outer(torch.arange(seq, device="cuda", dtype=torch.float32), inv)
    cos, sin = torch.cat([ang, ang], -1).cos(), torch.cat([ang, ang], -1).sin()

    def rotary(x):
        xr, xp = x[..., :rot], x[..., rot:]
        half = rot // 2
        return torch.cat([xr * cos + torch.cat([-xr[..., half:], xr[..., :half]], -1) * sin, xp], -1)

    def forward(ids):
        x = embed[ids]
        for w in layers:
            u = F.layer_norm(x, (H,), *w["ln"], eps)
            q, k, v = (F.linear(u, *w[n]).view(batch, seq, nh, hd).transpose(1, 2) for n in ("q", "k", "v"))
            q = rotary(F.layer_norm(q, (hd,), *w["qn"], eps))
            k = rotary(F.layer_norm(k, (hd,), *w["kn"], eps))
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(batch, seq, H)
            x = x + F.linear(o, *w["dense"]) + F.linear(F.gelu(F.linear(u, *w["fc1"]), approximate="tanh"), *w["fc2"])
        return F.linear(F.layer_norm(x, (H,), *final, eps), *head)

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    ids = torch.randint(0, V, (batch, seq), device="cuda", generator=g)
    with torch.no_grad():
        out = forward(ids)
        finite = bool(torch.isfinite(out).all())
        if tuple(out.shape) != (batch, seq, V) or not finite:
            raise SystemExit(f"showo forward: logits {tuple(out.shape)}, all finite: {finite}")
        r = timed(lambda: forward(ids), reps, warmup)
    r["check"] = f"logits {list(out.shape)} f32, all finite"
    return r


def main():
    if not torch.cuda.is_available():
        raise SystemExit(f"PyTorch {torch.__version__} sees no CUDA device")
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "matmul":
        r = matmul(int(args[0]), int(args[1]), int(args[2]))
    elif mode == "showo-forward":
        r = showo_forward(json.loads(args[0]), int(args[1]), int(args[2]), int(args[3]), int(args[4]))
    else:
        raise SystemExit(f"unknown mode '{mode}' (matmul | showo-forward)")
    r["device"] = torch.cuda.get_device_name()
    r["torch"] = torch.__version__
    print(json.dumps(r))


if __name__ == "__main__":
    main()
