// An attention kernel reads its operands through the elementwise regions fused into it (Show-o's
// q and k through the rotary embedding and the K/V cache concatenation). When those regions reach
// more stored tensors than one kernel may bind, fusion stores an operand region with a kernel of
// its own (compiler/kernels/fuse-elementwise.ts, overBindings): here q, k and v are each a sum of
// three inputs, 9 reads + 1 result, under WebGPU's default of 8 storage bindings.

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { trace } from "../../compiler/dsl/trace.ts";
import { attention } from "../../compiler/dsl/tensor.ts";
import { DEFAULT_WGSL_CAPS } from "../../compiler/kernels/target.ts";
import { run as reference } from "../../backends/reference/interpreter.ts";
import { compile, lower } from "../../runtime/executable.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";
import { openTestDevice } from "./graph-check.ts";

const { dev, reason } = await openTestDevice();
afterAll(() => dev?.dispose());

const S = [1, 2, 8, 4];
const names = ["q0", "q1", "q2", "k0", "k1", "k2", "v0", "v1", "v2"] as const;
const graph = () => trace("fused-operands", Object.fromEntries(names.map((n) => [n, { dtype: "f32", shape: S }])), (t) => {
  const sum3 = (p: string) => t[`${p}0`]!.add(t[`${p}1`]!).add(t[`${p}2`]!);
  return { y: attention(sum3("q"), sum3("k"), sum3("v"), { causal: true }) };
});

test("an attention kernel whose fused operands would bind 10 tensors stores one operand under 8 bindings", () => {
  const wide = lower(graph(), { ...DEFAULT_WGSL_CAPS, maxStorageBindings: 16 });
  const att = wide.launches.filter((l) => l.kernel.name.startsWith("attention"));
  assert.equal(att.length, 1);
  assert.equal(att[0]!.tensors.length, 10, "with 16 bindings every operand region is fused into attention");
  assert.equal(wide.launches.length, 1, wide.launches.map((l) => l.label).join("; "));

  const narrow = lower(graph(), { ...DEFAULT_WGSL_CAPS, maxStorageBindings: 8 });
  for (const l of narrow.launches) assert.ok(l.tensors.length <= 8, `${l.label}: ${l.tensors.length} bindings`);
  assert.equal(narrow.launches.length, 2, `one operand region stored first: ${narrow.launches.map((l) => l.label).join("; ")}`);
});

test("the split kernels give the reference's values", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const g = graph();
  const exe = await compile(g, { target: "wgsl", device: dev!, maxStorageBindings: 8 });
  try {
    assert.equal(exe.dispatchCount, 2);
    const ins = Object.fromEntries(names.map((n) => [n, randomTensor("f32", S, rng)]));
    const got = (await exe.run(ins))["y"]!, want = reference(g, ins, {})["y"]!;
    let worst = 0;
    for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i]! - want.data[i]!));
    assert.ok(worst <= 1e-5, `max error ${worst} (seed ${seed})`);
  } finally {
    exe.dispose();
  }
});
