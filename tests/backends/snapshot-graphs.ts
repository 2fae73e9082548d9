// The fixed graphs whose generated code is kept as snapshots (tests/backends/snapshots/), shared
// by the WGSL and CUDA snapshot tests so both targets' code for one graph sits side by side, and
// the snapshot check itself: compare (`npx vitest run -u` rewrites the files).

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { attention } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { isMissingBuilder } from "./util.ts";

const SNAPSHOTS = new URL("./snapshots/", import.meta.url);

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

/** Compare `generate()` with snapshots/<file> byte for byte (a missing file fails too). */
export async function checkSnapshot(file: string, generate: () => string): Promise<void> {
  let text: string;
  try {
    text = generate();
  } catch (e) {
    // A kernel kind without a builder fails the snapshot, never skips it.
    if (isMissingBuilder(e)) assert.fail(`${file}: a kernel builder is missing: ${(e as Error).message}`);
    throw e;
  }
  await expect(text, `${file}: review the diff; \`npx vitest run -u\` rewrites it`).toMatchFileSnapshot(fileURLToPath(new URL(file, SNAPSHOTS)));
}
