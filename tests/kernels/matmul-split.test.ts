// A matmul whose operands and result together need more storage bindings than a kernel may have
// is split into launches of whole output rows, each binding the one shard of the result its rows
// lie in (compiler/kernels/builders/matmul.ts, matmulLaunches): Show-o's LM head under WebGPU's
// default 8 bindings. Small tensors and a 2 KiB binding limit make the same situation here; the
// split launches must give the reference's values, epilogue included, and windows that cross a
// batch boundary are cut there.

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { trace } from "../../compiler/dsl/trace.ts";
import { DEFAULT_WGSL_CAPS } from "../../compiler/kernels/target.ts";
import { outputWindows } from "../../compiler/kernels/builders/matmul.ts";
import { run as reference } from "../../backends/reference/interpreter.ts";
import { compile, lower } from "../../runtime/executable.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";
import { openTestDevice } from "./graph-check.ts";

const { dev, reason } = await openTestDevice();
afterAll(() => dev?.dispose());

// a [2, 40, 24] × b [24, 36] + bias [36]: with 2 KiB bindings a takes 4, b 2, the result 6 (14
// rows of 36 each): 13 bindings in one kernel; split by result shard, 4 + 2 + 1 + 1 = 8.
const graph = () => trace("split", { a: { dtype: "f32", shape: [2, 40, 24] }, b: { dtype: "f32", shape: [24, 36] }, bias: { dtype: "f32", shape: [36] } },
  ({ a, b, bias }) => ({ y: a!.matmul(b!).add(bias!) }));
const CAPS = { ...DEFAULT_WGSL_CAPS, maxBindingBytes: 2048, maxStorageBindings: 8 };

test("windows of output rows lie in one result shard and one batch matrix", () => {
  const c = lower(graph(), CAPS);
  const mm = c.launches.filter((l) => l.kernel.name === "matmul");
  assert.ok(mm.length > 1, `expected a split matmul, got ${mm.length} launch`);
  for (const l of mm) assert.ok(l.tensors.length <= 8, `${l.label}: ${l.tensors.length} bindings`);
  // Rows 0..79 (2 × 40) in shards of 14: cut at 14, 28, 40 (the batch boundary), 42, 56, 70.
  const mmNode = c.graph.nodes().find((n) => n.op === "matmul")!;
  const y = c.graph.outputs[0]!.node;
  const w = outputWindows(mmNode, y, CAPS);
  assert.deepEqual(w.map((x) => [x.bat, x.m0, x.m1]), [[0, 0, 14], [0, 14, 28], [0, 28, 40], [1, 0, 2], [1, 2, 16], [1, 16, 30], [1, 30, 40]]);
  assert.equal(mm.length, w.length);
  // The epilogue (bias add) stays fused: no elementwise kernel reads the whole result.
  assert.equal(c.launches.length, mm.length, c.launches.map((l) => l.label).join("; "));
});

test("split matmul launches give the reference's values", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const g = graph();
  const exe = await compile(g, { target: "wgsl", device: dev!, maxBindingBytes: 2048, maxStorageBindings: 8 });
  try {
    assert.ok(exe.dispatchCount > 1);
    const ins = { a: randomTensor("f32", [2, 40, 24], rng), b: randomTensor("f32", [24, 36], rng), bias: randomTensor("f32", [36], rng) };
    const got = (await exe.run(ins))["y"]!, want = reference(g, ins, {})["y"]!;
    let worst = 0;
    for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i]! - want.data[i]!));
    assert.ok(worst <= 1e-4 * 4, `max error ${worst} (seed ${seed})`);
  } finally {
    exe.dispose();
  }
});

test("a split that would need a launch per batch matrix of a huge batch is refused with the binding limit's message", () => {
  // [100000, 4, 24] × [24, 36]: every batch matrix would be its own launch, far past MAX_SPLIT_LAUNCHES.
  const g = trace("huge", { a: { dtype: "f32", shape: [100_000, 4, 24] }, b: { dtype: "f32", shape: [24, 36] } }, ({ a, b }) => ({ y: a!.matmul(b!) }));
  assert.throws(() => lower(g, CAPS), /needs \d+ storage bindings; the device allows 8/);
});
