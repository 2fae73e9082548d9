// Codegen snapshots of the flash-attention kernels in every form, for three targets, lowered
// without a device: WGSL with 8-lane subgroups (llvmpipe's limits: 32 KiB of workgroup memory,
// 1,024 invocations), WGSL without subgroups (the same limits) and CUDA (DEFAULT_CUDA_CAPS).
// They lock the builders' output: a refactor of compiler/kernels/builders/flash-*.ts must print
// the same text, or the diff is reviewed and the files rewritten with `npx vitest run -u`.
//
// The cases reach each form by shape and target alone (default options; the big shapes only on
// the subgroup targets, where they pick other forms than the small ones):
//   attention_qknorm with segments (so with block lists), head 64, rotary 32:
//     small (B 2, H 2, L 37)      sg8: subgroup row form, 1 row per invocation, one tile per workgroup;
//                                 elsewhere the register-blocked form
//     big (B 1, H 32, L 130)      sg8: grouped row form (4 rows per invocation, 4 query tiles per workgroup)
//     big at 16 KiB               sg8: 16-row tiles, 2 rows per invocation, one tile per workgroup
//     big, subgroups of 8–32      4 rows per invocation, one tile per workgroup
//     each with and without `lse`
//   attention_qknorm at head 20 (rotary 10) and 96 (rotary 20): one query row per invocation
//     (flash-attention.ts), registers and private arrays
//   attention without lists: causal, dense, segments, decode rows, `lse` (sg8: the subgroup row
//     form where Dv/4 is a multiple of 8, else blocked), head 6 (one row per invocation), head 130 (no flash form: attention.ts)
//   attention_grad_q / attention_grad_kv: with segments (lists and transposed lists), small
//     (one row per invocation) and big (sg8: the subgroup row form), with the lse cotangent;
//     causal without segments (small, and big on sg8), non-causal, decode-shaped.
//   with FlashOptions.tileSkipping off: attention_qknorm small (every target) and the backward
//     (WGSL without subgroups): the lists are not read, every key through the masked loop.
// A file holds every launch of the graph (block_lists included), each headed by its index,
// grid, label and parameters: tests/kernels/snapshots/flash/<case>.<caps>.<wgsl|cu>.

import { expect, test } from "vitest";
import { printCudaKernel, DEFAULT_CUDA_CAPS } from "../../backends/cuda/print.ts";
import { printWgsl } from "../../backends/wgsl/print.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import type { TargetCaps } from "../../compiler/kernels/target.ts";
import { DEFAULT_WGSL_CAPS } from "../../compiler/kernels/target.ts";
import { withFlashOptions } from "../../compiler/kernels/builders/flash-attention.ts";
import type { FlashOptions } from "../../compiler/kernels/builders/flash-plan.ts";
import { lower } from "../../runtime/executable.ts";

const SLOTS = 3;
const LLVMPIPE: TargetCaps = { ...DEFAULT_WGSL_CAPS, maxStorageBindings: 16, maxWorkgroupStorageBytes: 32768, maxInvocationsPerWorkgroup: 1024 };
const SG8: TargetCaps = { ...LLVMPIPE, subgroups: true, minSubgroupSize: 8, maxSubgroupSize: 8 };
const CAPS: Readonly<Record<string, TargetCaps>> = {
  sg8: SG8,
  nosg: LLVMPIPE,
  cuda: DEFAULT_CUDA_CAPS,
  // WebGPU's default 16 KiB and 256 invocations: 16-row tiles, 2 rows per invocation.
  sg8_16k: { ...SG8, maxWorkgroupStorageBytes: 16384, maxInvocationsPerWorkgroup: 256 },
  // Subgroups of 8 to 32 lanes: not exactly 8, so no grouped tiles (4 rows per invocation, one tile).
  sg8to32: { ...SG8, maxSubgroupSize: 32 },
};

function qknorm(B: number, H: number, L: number, D: number, rdim: number, lse: boolean): Graph {
  const x = () => ["q", "k", "v"].map((n) => input(n, "f32", [B, H, L, D]));
  const [q, k, v] = x() as [ReturnType<typeof input>, ReturnType<typeof input>, ReturnType<typeof input>];
  const p = ["wq", "bq", "wk", "bk"].map((n) => input(n, "f32", [D]));
  const pos = input("positions", "i32", [L]);
  const seg = input("segments", "i32", [B, SLOTS, 3]);
  const ins = [q, k, v, ...p, pos, seg];
  const y = apply("attention_qknorm", ins, { scale: 1 / Math.sqrt(D), causal: true, eps: 1e-5, rotary_dim: rdim, base: 10000, ...(lse ? { lse: true } : {}) });
  return new Graph("qknorm", ins, [], [{ name: "y", node: y }]);
}

function plain(B: number, H: number, lq: number, lk: number, D: number, causal: boolean, segments: boolean, lse = false): Graph {
  const q = input("q", "f32", [B, H, lq, D]), k = input("k", "f32", [B, H, lk, D]), v = input("v", "f32", [B, H, lk, D]);
  const ins = [q, k, v, ...(segments ? [input("segments", "i32", [B, SLOTS, 3])] : [])];
  const y = apply("attention", ins, { scale: 1 / Math.sqrt(D), causal, ...(lse ? { lse: true } : {}) });
  return new Graph("attention", ins, [], [{ name: "y", node: y }]);
}

function grads(B: number, H: number, lq: number, lk: number, D: number, causal: boolean, segments: boolean, lseGrad: boolean): Graph {
  const q = input("q", "f32", [B, H, lq, D]), k = input("k", "f32", [B, H, lk, D]), v = input("v", "f32", [B, H, lk, D]);
  const packed = input("packed", "f32", [B, H, lq, D + 1]);
  const dO = input("dO", "f32", [B, H, lq, D + (lseGrad ? 1 : 0)]);
  const seg = segments ? [input("segments", "i32", [B, SLOTS, 3])] : [];
  const ins = [q, k, v, packed, dO, ...seg];
  const attrs = { scale: 1 / Math.sqrt(D), causal };
  return new Graph("attention_backward", [q, k, v, dO, packed, ...seg], [], [
    { name: "dq", node: apply("attention_grad_q", ins, attrs) },
    { name: "dkv", node: apply("attention_grad_kv", ins, attrs) },
  ]);
}

const ALL = ["sg8", "nosg", "cuda"] as const;
/** Case name → graph and the caps it is lowered for (the big shapes only where they pick another form). */
const CASES: Readonly<Record<string, readonly [() => Graph, readonly string[], Partial<FlashOptions>?]>> = {
  qknorm_small: [() => qknorm(2, 2, 37, 64, 32, false), ALL],
  qknorm_small_lse: [() => qknorm(2, 2, 37, 64, 32, true), ALL],
  qknorm_big: [() => qknorm(1, 32, 130, 64, 32, false), ["sg8", "sg8_16k", "sg8to32"]],
  qknorm_big_lse: [() => qknorm(1, 32, 130, 64, 32, true), ["sg8"]],
  qknorm_small_noskip: [() => qknorm(2, 2, 37, 64, 32, false), ALL, { tileSkipping: false }],
  qknorm_head20: [() => qknorm(2, 2, 37, 20, 10, false), ALL],
  qknorm_head96_lse: [() => qknorm(1, 2, 37, 96, 20, true), ALL],
  attn_causal: [() => plain(1, 2, 37, 37, 32, true, false), ALL],
  attn_dense: [() => plain(1, 2, 37, 37, 24, false, false), ALL],
  attn_dense64: [() => plain(1, 2, 37, 37, 64, false, false), ["sg8"]],
  attn_segments_lse: [() => plain(2, 1, 70, 70, 32, true, true, true), ALL],
  attn_decode: [() => plain(2, 2, 3, 40, 16, true, true), ALL],
  attn_head6: [() => plain(1, 2, 21, 21, 6, true, false), ALL],
  attn_head130: [() => plain(1, 2, 9, 9, 130, true, false), ALL],
  grad_small: [() => grads(2, 2, 37, 37, 64, true, true, true), ALL],
  grad_big: [() => grads(1, 32, 130, 130, 64, true, true, true), ["sg8"]],
  grad_big_causal: [() => grads(1, 32, 130, 130, 64, true, false, false), ["sg8"]],
  grad_small_noskip: [() => grads(2, 2, 37, 37, 64, true, true, true), ["nosg"], { tileSkipping: false }],
  grad_causal: [() => grads(1, 2, 37, 37, 64, true, false, false), ALL],
  grad_dense: [() => grads(1, 2, 37, 37, 32, false, false, false), ALL],
  grad_decode: [() => grads(2, 1, 5, 37, 64, true, true, false), ALL],
};

function generated(graph: Graph, caps: TargetCaps): string {
  const { launches } = lower(graph, caps);
  const print = caps.target === "cuda" ? (k: Parameters<typeof printCudaKernel>[0]) => printCudaKernel(k) : printWgsl;
  return launches.map((l, i) => [
    `// ---- launch ${i + 1} of ${launches.length}, grid [${l.grid.join(", ")}]`,
    `// label: ${l.label}`,
    `// params: ${JSON.stringify(l.params ?? {})}`,
    print(l.kernel),
  ].join("\n")).join("\n");
}

const runs = Object.entries(CASES).flatMap(([name, [, caps, opts]]) => caps.map((c) => [name, c, CAPS[c]!, opts ?? {}] as const));
for (const [name, capsName, caps, opts] of runs) {
  const file = `${name}.${capsName}.${caps.target === "cuda" ? "cu" : "wgsl"}`;
  test(`flash codegen snapshot ${file}`, async () => {
    const text = await withFlashOptions(opts, async () => generated(CASES[name]![0](), caps));
    await expect(text, `${file}: review the diff; \`npx vitest run -u\` rewrites it`).toMatchFileSnapshot(`./snapshots/flash/${file}`);
  });
}
