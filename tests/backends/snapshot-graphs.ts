// The fixed graphs whose generated code is kept as snapshots (tests/backends/snapshots/), shared
// by the WGSL and CUDA snapshot tests so both targets' code for one graph sits side by side, and
// the snapshot check itself: compare, or rewrite with UPDATE_SNAPSHOTS=1.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { TestContext } from "node:test";
import { attention } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { isMissingBuilder } from "./util.ts";

const SNAPSHOTS = new URL("./snapshots/", import.meta.url);
const UPDATE = process.env["UPDATE_SNAPSHOTS"] === "1";

const f32 = (...shape: number[]) => ({ dtype: "f32" as const, shape });

export const SNAPSHOT_GRAPHS: Readonly<Record<string, () => Graph>> = {
  // x [4, 9] + b [9] (broadcast over rows), then exp, ·x, tanh, −0.5: one fused kernel.
  elementwise_broadcast: () => trace("elementwise_broadcast", { x: f32(4, 9), b: f32(9) },
    ({ x, b }) => x!.add(b!).exp().mul(x!).tanh().sub(0.5)),
  // x [5, 37] normalized over the last axis with weight and bias [37].
  layer_norm: () => trace("layer_norm", { x: f32(5, 37), w: f32(37), b: f32(37) },
    ({ x, w, b }) => x!.layerNorm(w!, b!, 1e-5)),
  // x [2, 7, 24] · wᵀ [24, 33] + b [33], then gelu(tanh): the matmul with its epilogue.
  linear_gelu: () => trace("linear_gelu", { x: f32(2, 7, 24), w: f32(33, 24), b: f32(33) },
    ({ x, w, b }) => x!.matmul(w!, { transposeB: true }).add(b!).gelu("tanh")),
  // softmax over the last axis of x [6, 29].
  softmax: () => trace("softmax", { x: f32(6, 29) }, ({ x }) => x!.softmax(-1)),
  // causal attention, q k v [1, 2, 7, 8] (B, heads, L, head dim).
  attention: () => trace("attention", { q: f32(1, 2, 7, 8), k: f32(1, 2, 7, 8), v: f32(1, 2, 7, 8) },
    ({ q, k, v }) => attention(q!, k!, v!, { causal: true })),
};

/** Compare `generate()` with snapshots/<file>, or rewrite it with UPDATE_SNAPSHOTS=1. */
export function checkSnapshot(_t: TestContext, file: string, generate: () => string): void {
  let text: string;
  try {
    text = generate();
  } catch (e) {
    // A kernel kind without a builder fails the snapshot, never skips it.
    if (isMissingBuilder(e)) assert.fail(`${file}: a kernel builder is missing: ${(e as Error).message}`);
    throw e;
  }
  const path = new URL(file, SNAPSHOTS);
  if (UPDATE) {
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(path, text);
    return;
  }
  assert.ok(existsSync(path), `missing snapshot ${file}; run with UPDATE_SNAPSHOTS=1 to write it`);
  assert.equal(text, readFileSync(path, "utf8"), `${file} changed; review the diff and rerun with UPDATE_SNAPSHOTS=1 if intended`);
}
