// Executables on the WebGPU device: planned arenas reused across runs, weights uploaded once,
// row-sharded tensors, and the errors a caller sees for bad inputs, bad parameters and a lost device.
//
// Tolerance: f32 against the float64 reference, max-abs error ≤ 1e-4·max(1, max|ref|).

import assert from "node:assert/strict";
import { afterAll, beforeAll, test } from "vitest";
import { run as reference } from "../../backends/reference/interpreter.ts";
import type { WgslDevice } from "../../backends/wgsl/device.ts";
import { GpuError, openDevice } from "../../backends/wgsl/device.ts";
import { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import { param } from "../../compiler/ir/build.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { placementOf } from "../../compiler/passes/plan-memory.ts";
import { bindDims } from "../../compiler/passes/bind-dims.ts";
import { arange, randn } from "../../compiler/dsl/init.ts";
import { initParams } from "../../compiler/dsl/nn.ts";
import type { PhiConfig } from "../../models/phi-block.ts";
import { PhiBlock, phiBlockGraph } from "../../models/phi-block.ts";
import { compile } from "../../runtime/executable.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";

let device: WgslDevice;
beforeAll(async () => {
  device = await openDevice();
});
afterAll(() => device.dispose());

function maxErr(got: RefTensor, want: RefTensor): { err: number; tol: number } {
  assert.deepEqual(got.shape, want.shape);
  let err = 0, big = 0;
  want.data.forEach((v, i) => {
    err = Math.max(err, Math.abs(got.data[i]! - v));
    big = Math.max(big, Math.abs(v));
  });
  return { err, tol: 1e-4 * Math.max(1, big) };
}

/**
 * x, y f32[R, C], w f32[C] → five kernels: a (elementwise, read by the softmax and by `side`),
 * b = softmax(a), c = softmax(exp(b)), out = softmax(c), side = 2a.
 */
function chain(R: number, C: number): Graph {
  return trace("chain", { x: { dtype: "f32", shape: [R, C] }, y: { dtype: "f32", shape: [R, C] } }, ({ x, y }) => {
    const w = new Tensor(param("w", "f32", [C]));
    const a = x!.mul(w).add(y!);
    const b = a.softmax(-1);
    const c = b.exp().softmax(-1);
    return { out: c.softmax(-1), side: a.mul(2) };
  });
}

async function checkRuns(g: Graph, exeOpts: { maxBindingBytes?: number }, R: number, C: number): Promise<void> {
  const seed = testSeed();
  const rng = mulberry32(seed);
  const exe = await compile(g, { target: "wgsl", device, ...exeOpts });
  try {
    const w = randomTensor("f32", [C], rng);
    exe.setParams({ w });
    const arenas = [...exe.arenaBuffers];
    const outs: RefTensor[] = [];
    for (let r = 0; r < 2; r++) {
      const x = randomTensor("f32", [R, C], rng), y = randomTensor("f32", [R, C], rng);
      const got = await exe.run({ x, y });
      const want = reference(g, { x, y }, { w });
      for (const name of ["out", "side"]) {
        const { err, tol } = maxErr(got[name]!, want[name]!);
        assert.ok(err <= tol, `run ${r}, output '${name}': max error ${err} > ${tol} (TEST_SEED=${seed})`);
      }
      outs.push(got["out"]!);
    }
    assert.notDeepEqual(outs[0]!.data, outs[1]!.data, "different inputs give different outputs");
    // The same buffers served both runs; weights went up once, inputs once per run.
    assert.deepEqual([...exe.arenaBuffers], arenas);
    assert.equal(arenas.length, exe.plan.arenas.length);
    assert.deepEqual({ ...exe.stats, uploadedBytes: 0 }, { runs: 2, paramUploads: 1, inputUploads: 4, uploadedBytes: 0 });
  } finally {
    exe.dispose();
  }
}

test("an elementwise graph runs twice with different inputs on reused arenas", async () => {
  const [R, C] = [5, 7];
  const g = chain(R, C);
  await checkRuns(g, {}, R, C);
  // The plan really reuses memory: launch 2's result takes launch 0's place.
  const exe = await compile(g, { target: "wgsl", device });
  try {
    // Launches: a, b, c, out, side. `a` is read until `side` (launch 4) and b dies after launch 2,
    // so `out` (launch 3) takes b's place. No launch reads and writes one arena, so a and b, b and
    // c, c and out, a and side sit in different arenas: two arenas of two slots for five tensors.
    const written = exe.compiled.launches.map((l) => l.tensors.find((t) => t.access === "read_write")!.node);
    assert.equal(written.length, 5);
    const at = (k: number) => { const p = placementOf(exe.plan, written[k]!); return [p.arena, p.offset]; };
    assert.deepEqual(at(3), at(1));
    assert.deepEqual(exe.plan.arenas.filter((a) => a.kind === "activations").map((a) => a.bytes), [256 + 140, 256 + 140]);
    const s = exe.summary();
    assert.equal(s.dispatchesPerRun, exe.compiled.launches.length);
    assert.ok(s.kernels >= 1 && s.kernels <= s.dispatchesPerRun);
    assert.equal(s.arenaBytes, exe.plan.arenaBytes.total);
    assert.equal(s.peakBytes, exe.plan.peak.total);
    assert.ok(s.peakBytes <= s.arenaBytes && s.compileMs > 0);
  } finally {
    exe.dispose();
  }
});

test("row-sharded tensors in many small arenas (binding limit 256 bytes) give the same answers", async () => {
  const [R, C] = [9, 13]; // 468 bytes per tensor: 4 rows (208 B) per shard, 3 shards
  const g = chain(R, C);
  const exe = await compile(g, { target: "wgsl", device, maxBindingBytes: 256 });
  try {
    const x = exe.graph.inputs.find((n) => n.attrs["name"] === "x")!;
    assert.equal(exe.plan.byNode.get(x)!.length, 3);
    assert.ok(exe.plan.arenas.every((a) => a.bytes <= 256));
  } finally {
    exe.dispose();
  }
  await checkRuns(g, { maxBindingBytes: 256 }, R, C);
});

test("missing, unknown and mis-shaped inputs and parameters are named with expected and actual types", async () => {
  const g = chain(5, 7);
  const exe = await compile(g, { target: "wgsl", device });
  try {
    const rng = mulberry32(testSeed());
    const x = randomTensor("f32", [5, 7], rng), y = randomTensor("f32", [5, 7], rng), w = randomTensor("f32", [7], rng);
    await assert.rejects(exe.run({ x, y }), /call setParams\(weights\) before run\(\)/);
    assert.throws(() => exe.setParams({}), /executable 'chain': setParams: missing parameter 'w' \(expected f32\[7\]\)/);
    assert.throws(() => exe.setParams({ w: randomTensor("f32", [8], rng) }), /parameter 'w': expected f32\[7\], got f32\[8\]/);
    assert.throws(() => exe.setParams({ w, v: w }), /unknown parameter 'v' \(parameters: w\)/);
    exe.setParams({ w });
    await assert.rejects(exe.run({ x }), /executable 'chain': run: missing input 'y' \(expected f32\[5, 7\]\)/);
    await assert.rejects(exe.run({ x: randomTensor("f32", [7, 5], rng), y }), /input 'x': expected f32\[5, 7\], got f32\[7, 5\]/);
    await assert.rejects(exe.run({ x, y: randomTensor("i32", [5, 7], rng) }), /input 'y': expected f32\[5, 7\], got i32\[5, 7\]/);
    await assert.rejects(exe.run({ x, y, z: y }), /unknown input 'z' \(inputs: x, y\)/);
    await assert.rejects(exe.run({ x, y: { dtype: "f32", shape: [5, 7], data: new Float64Array(3) } }), /input 'y': f32\[5, 7\] holds 35 values but its data has 3/);
    // Bad calls changed nothing: a good run still matches the reference.
    const got = await exe.run({ x, y });
    const { err, tol } = maxErr(got["out"]!, reference(g, { x, y }, { w })["out"]!);
    assert.ok(err <= tol, `max error ${err}`);
    // Intermediates share memory with later tensors, so reading one back is refused.
    const mid = exe.compiled.launches[1]!.tensors.find((t) => t.access === "read_write")!.node;
    if (!exe.graph.outputs.some((o) => o.node === mid)) await assert.rejects(exe.read(mid), /is an intermediate: its memory is reused/);
    assert.deepEqual((await exe.read(exe.graph.output("out"))).data, got["out"]!.data);
  } finally {
    exe.dispose();
  }
  await assert.rejects(exe.run({}), /executable 'chain' was disposed/);
});

test("a lost device surfaces as a GpuError saying so, with the executable's context", async () => {
  const own = await openDevice();
  const exe = await compile(chain(3, 4), { target: "wgsl", device: own });
  try {
    const rng = mulberry32(testSeed());
    exe.setParams({ w: randomTensor("f32", [4], rng) });
    own.gpu.destroy();
    await own.gpu.lost;
    await assert.rejects(exe.run({ x: randomTensor("f32", [3, 4], rng), y: randomTensor("f32", [3, 4], rng) }), (e: unknown) => {
      assert.ok(e instanceof GpuError, `a GpuError, got ${String(e)}`);
      assert.equal(e.kind, "lost");
      assert.match(e.message, /^executable 'chain': run: device lost: destroyed/);
      return true;
    });
  } finally {
    exe.dispose();
    own.dispose();
  }
});

test("a small Phi block (matmul, LayerNorm, attention kernels) runs on planned arenas, twice", async () => {
  const cfg: PhiConfig = { hidden: 64, heads: 4, mlp: 256, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5 };
  const [B, L] = [2, 11];
  const block = new PhiBlock(cfg);
  const g = phiBlockGraph(cfg, { batch: "B", seq: "L" }, block);
  let exe;
  try {
    exe = await compile(g, { target: "wgsl", device, dims: { B, L } });
  } catch (e) {
    const m = /no kernel builder for '[^']+'/.exec((e as Error).message);
    if (m) assert.fail(`a kernel builder is missing: ${m[0]}`);
    throw e;
  }
  try {
    const seed = testSeed();
    const params = initParams(block, seed);
    exe.setParams(params);
    const bound = bindDims(g, { B, L });
    for (let r = 0; r < 2; r++) {
      const inputs = { x: randn([B, L, cfg.hidden], seed + 1 + r), positions: arange(L) };
      const got = await exe.run(inputs);
      const want = reference(bound, inputs, params);
      for (const name of ["out", "loss"]) {
        const { err, tol } = maxErr(got[name]!, want[name]!);
        assert.ok(err <= tol, `run ${r}, '${name}': max error ${err} > ${tol} (TEST_SEED=${seed})`);
      }
    }
    assert.equal(exe.stats.paramUploads, g.params.length);
    const s = exe.summary();
    assert.ok(s.kernels <= s.dispatchesPerRun && s.peakBytes <= s.arenaBytes);
  } finally {
    exe.dispose();
  }
});

test("runKeeping: an output left on the device feeds another executable's input without a host round trip; stale or foreign use is refused", async () => {
  const [R, C] = [9, 13];
  const seed = testSeed();
  const rng = mulberry32(seed);
  const x = randomTensor("f32", [R, C], rng), y = randomTensor("f32", [R, C], rng), w = randomTensor("f32", [C], rng);
  const x2 = randomTensor("f32", [R, C], rng);
  // The consumer: z = 3·side + u, with side another executable's output.
  const consumer = trace("consumer", { side: { dtype: "f32", shape: [R, C] }, u: { dtype: "f32", shape: [R, C] } }, ({ side, u }) => ({ z: side!.mul(3).add(u!) }));
  for (const opts of [{}, { maxBindingBytes: 256 }]) {
    const what = `${JSON.stringify(opts)} (seed ${seed})`;
    const a = await compile(chain(R, C), { target: "wgsl", device, ...opts });
    const b = await compile(consumer, { target: "wgsl", device, ...opts });
    try {
      a.setParams({ w });
      const { outputs, kept } = await a.runKeeping({ x, y }, ["side"]);
      assert.deepEqual(Object.keys(outputs), ["out"]);
      const side = kept["side"]!;
      assert.ok(side.valid);
      assert.deepEqual([side.dtype, side.shape], ["f32", [R, C]]);
      const wantSide = reference(chain(R, C), { x, y }, { w })["side"]!;
      const e0 = maxErr(await side.read(), wantSide);
      assert.ok(e0.err <= e0.tol, `side ${what}: ${e0.err}`);
      const u = randomTensor("f32", [R, C], rng);
      const before = b.stats.uploadedBytes;
      const z = (await b.run({ side, u }))["z"]!;
      assert.equal(b.stats.uploadedBytes - before, R * C * 4, "only u is uploaded");
      const want = reference(consumer, { side: wantSide, u }, {})["z"]!;
      const e = maxErr(z, want);
      assert.ok(e.err <= e.tol, `z ${what}: ${e.err}`);
      // The kept tensor belongs to a's memory: a's next run makes it stale.
      await a.run({ x: x2, y });
      assert.equal(side.valid, false);
      await assert.rejects(b.run({ side, u }), /device tensor 'side' of executable 'chain' is stale \(that executable has run again since\)/);
      // Kept again: a tensor of b's own memory cannot be its input.
      const again = (await a.runKeeping({ x, y }, ["side", "out"])).kept;
      assert.deepEqual(Object.keys(again).sort(), ["out", "side"]);
      const own = (await b.runKeeping({ side: again["side"]!, u }, ["z"])).kept["z"]!;
      await assert.rejects(b.run({ side: own, u }), /lives in this executable's own memory/);
      await assert.rejects(a.runKeeping({ x, y }, ["nope"]), /cannot keep 'nope': no such output/);
    } finally {
      a.dispose();
      b.dispose();
    }
  }
});

test("executable state: outputs replace their parameters after each run, in place where safe, copied where not", async () => {
  // new.w = x·w (a matmul: not elementwise, so copied after the run); new.v = v·2 + x (elementwise,
  // written in place); both parameters are also read by `y`, so the in-place write must come last.
  const g = trace("stateful", { x: { dtype: "f32", shape: [3, 3] } }, ({ x }) => {
    const w = new Tensor(param("w", "f32", [3, 3])), v = new Tensor(param("v", "f32", [3, 3]));
    return { y: x!.add(w).add(v).sum(), "new.w": x!.matmul(w), "new.v": v.mul(2).add(x!) };
  });
  const exe = await compile(g, { target: "wgsl", device, state: { "new.w": "w", "new.v": "v" } });
  try {
    const copies = exe.compiled.launches.filter((l) => l.kernel.name.startsWith("copy_"));
    assert.equal(copies.length, 1, "new.w (a matmul) is copied over w");
    assert.equal(exe.plan.byNode.get(exe.graph.outputs.find((o) => o.name === "new.v")!.node), undefined, "new.v is computed in place of v");
    const rng = mulberry32(testSeed());
    const x = randomTensor("f32", [3, 3], rng), w0 = randomTensor("f32", [3, 3], rng), v0 = randomTensor("f32", [3, 3], rng);
    exe.setParams({ w: w0, v: v0 });
    let w = w0, v = v0;
    for (let k = 0; k < 3; k++) {
      const out = await exe.run({ x });
      assert.deepEqual(Object.keys(out), ["y"], "state outputs are not read back");
      const want = reference(g, { x }, { w, v });
      assert.ok(maxErr(out["y"]!, want["y"]!).err <= maxErr(out["y"]!, want["y"]!).tol, `y at run ${k}`);
      [w, v] = [want["new.w"]!, want["new.v"]!];
      for (const [name, t] of [["w", w], ["v", v]] as const) {
        const got = await exe.readParam(name);
        const e = maxErr(got, t);
        assert.ok(e.err <= e.tol, `${name} after run ${k}: error ${e.err}`);
      }
    }
  } finally {
    exe.dispose();
  }
  await assert.rejects(compile(g, { target: "wgsl", device, state: { "new.w": "v", "new.v": "v" } }), /parameter 'v' is the target of two state outputs/);
  await assert.rejects(compile(g, { target: "wgsl", device, state: { "new.w": "x" } }), /has no parameter 'x'/);
});

test("outputs read only by the next elementwise kernel are stored by it, chains included (a → b → c: one kernel)", async () => {
  const g = trace("chain", { x: { dtype: "f32", shape: [5, 3] } }, ({ x }) => {
    const a = x!.mul(2).neg(), b = a.add(1).neg(), c = b.mul(3);
    return { a, b, c, s: c.sum() };
  });
  const exe = await compile(g, { target: "wgsl", device });
  try {
    const ew = exe.compiled.partition.groups.filter((gr) => gr.kind === "elementwise");
    assert.equal(ew.length, 1, exe.compiled.launches.map((l) => l.label).join("; "));
    assert.deepEqual(ew[0]!.siblings!.map((n) => n.op), ["neg", "neg"]);
    const x = randomTensor("f32", [5, 3], mulberry32(testSeed()));
    const got = await exe.run({ x });
    const want = reference(g, { x }, {});
    for (const k of ["a", "b", "c", "s"]) {
      const e = maxErr(got[k]!, want[k]!);
      assert.ok(e.err <= e.tol, `${k}: error ${e.err}`);
    }
  } finally {
    exe.dispose();
  }
});
