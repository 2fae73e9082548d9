// Kernel IR kernels printed to WGSL and run on a WebGPU device (Dawn), checked against JS on fresh
// random data. Skipped, with the reason, where no adapter is available.

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { erf as erf64 } from "../../compiler/ir/ops/elementwise.ts";
import { foldGrid } from "../../compiler/kernels/kernel-ir.ts";
import type { DeviceBuffer, WgslDevice } from "../../backends/wgsl/device.ts";
import { GpuError, openDevice } from "../../backends/wgsl/device.ts";
import { PROBES, erfKernel, exprProbeKernel, index2dKernel, linearIdKernel, rowSumKernel, saxpyKernel, subgroupSumKernel, vec4Kernel } from "../kernels/sample-kernels.ts";
import { rng } from "../kernels/random.ts";

let dev: WgslDevice | null = null;
let noDevice = "";
try {
  dev = await openDevice();
  console.log(`# device: ${dev.description}; features: ${[...dev.features].sort().join(", ")}`);
} catch (e) {
  noDevice = `no WebGPU device: ${(e as Error).message}`;
  console.log(`# skipping device tests: ${noDevice}`);
}
afterAll(() => dev?.dispose());

function device(): WgslDevice {
  if (!dev) throw new Error(noDevice);
  return dev;
}
// Why the f16 and subgroup tests skip, when they do ("" when they run).
const noF16 = noDevice || (dev!.features.has("shader-f16") ? "" : `device '${dev!.description}' lacks shader-f16`);
const noSubgroups = noDevice || (dev!.features.has("subgroups") ? "" : "device lacks subgroups");

async function bufferWith(name: string, data: ArrayBufferView): Promise<DeviceBuffer> {
  const b = await device().createBuffer(name, data.byteLength);
  device().upload(b, data);
  return b;
}

test("saxpy over a ragged length (1000 elements, workgroup 64)", async (t) => {
  if (noDevice) t.skip(noDevice);
  const r = rng("saxpy");
  const n = 1000, a = r.uniform(-3, 3);
  const x = Float32Array.from({ length: n }, () => r.uniform(-1, 1));
  const y = Float32Array.from({ length: n }, () => r.uniform(-1, 1));
  const bx = await bufferWith("x", x), by = await bufferWith("y", y);
  await device().run(saxpyKernel("f32"), { grid: [Math.ceil(n / 64)], bindings: { x: bx, y: by }, params: { a, n } });
  const out = new Float32Array(await device().download(by));
  const af = Math.fround(a);
  for (let i = 0; i < n; i++) {
    const want = af * x[i]! + y[i]!;
    assert.ok(Math.abs(out[i]! - want) <= 1e-6 * (1 + Math.abs(want)), `y[${i}] = ${out[i]}, want ${want} (seed ${r.seed})`);
  }
  device().free(bx);
  device().free(by);
});

test("2-D index kernel over [37, 300] with 8x8 workgroups", async (t) => {
  if (noDevice) t.skip(noDevice);
  const rows = 37, cols = 300;
  const out = await device().createBuffer("out", rows * cols * 4);
  device().upload(out, new Uint32Array(rows * cols).fill(0xdeadbeef));
  await device().run(index2dKernel(), { grid: [Math.ceil(cols / 8), Math.ceil(rows / 8)], bindings: { out }, params: { rows, cols } });
  const got = new Uint32Array(await device().download(out));
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    assert.equal(got[r * cols + c], ((r << 16) | c) >>> 0, `out[${r}, ${c}]`);
  }
  device().free(out);
});

test("row sums of a [37, 300] matrix (workgroup memory, barriers, tree reduction)", async (t) => {
  if (noDevice) t.skip(noDevice);
  const r = rng("row_sum");
  const rows = 37, cols = 300;
  const x = Float32Array.from({ length: rows * cols }, () => r.uniform(-1, 1));
  const bx = await bufferWith("x", x), out = await device().createBuffer("out", rows * 4);
  await device().run(rowSumKernel("f32"), { grid: [rows], bindings: { x: bx, out }, params: { cols } });
  const got = new Float32Array(await device().download(out));
  for (let i = 0; i < rows; i++) {
    let want = 0;
    for (let c = 0; c < cols; c++) want += x[i * cols + c]!;
    assert.ok(Math.abs(got[i]! - want) <= 1e-4, `row ${i}: ${got[i]} vs ${want} (seed ${r.seed})`);
  }
});

test("vec4 loads and lane access", async (t) => {
  if (noDevice) t.skip(noDevice);
  const r = rng("vec4");
  const n4 = 257, s = r.uniform(-2, 2);
  const x = Float32Array.from({ length: 4 * n4 }, () => r.uniform(-1, 1));
  const bx = await bufferWith("x", x), out = await device().createBuffer("out", 16 * n4);
  await device().run(vec4Kernel(), { grid: [Math.ceil(n4 / 32)], bindings: { x: bx, out }, params: { n4, s } });
  const got = new Float32Array(await device().download(out));
  const sf = Math.fround(s);
  for (let i = 0; i < n4; i++) for (let l = 0; l < 4; l++) {
    const want = x[4 * i + 3 - l]! * sf + (l + 1);
    assert.ok(Math.abs(got[4 * i + l]! - want) <= 1e-6 * (1 + Math.abs(want)), `out[${i}].${"xyzw"[l]} (seed ${r.seed})`);
  }
});

test("a launch of 70,001 x 2 workgroups is folded and covers every index once", async (t) => {
  if (noDevice) t.skip(noDevice);
  const gx = 70001, gy = 2, n = gx * gy * 64;
  const fold = foldGrid([gx, gy], true, device().limits.maxComputeWorkgroupsPerDimension);
  assert.deepEqual(fold.workgroups, [35001, 2, 2]); // one excess workgroup per logical row must return early
  const out = await device().createBuffer("out", n * 4);
  device().upload(out, new Uint32Array(n).fill(0xffffffff));
  await device().run(linearIdKernel(), { grid: [gx, gy], bindings: { out } });
  const got = new Uint32Array(await device().download(out));
  for (let j = 0; j < n; j++) if (got[j] !== j) assert.fail(`out[${j}] = ${got[j]}`);
  device().free(out);
});

test("erf helper against float64 erf within 1e-6", async (t) => {
  if (noDevice) t.skip(noDevice);
  const r = rng("erf");
  const fixed = [0, 1e-8, -1e-8, 0.25, -0.5, 1, -1, 2, 3.5, -4, 6, -10];
  const x = Float32Array.from([...fixed, ...Array.from({ length: 4096 }, () => r.uniform(-5, 5))]);
  const n = x.length;
  const bx = await bufferWith("x", x), by = await device().createBuffer("y", n * 4);
  await device().run(erfKernel("f32"), { grid: [Math.ceil(n / 64)], bindings: { x: bx, y: by }, params: { n } });
  const got = new Float32Array(await device().download(by));
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const err = Math.abs(got[i]! - erf64(x[i]!));
    worst = Math.max(worst, err);
    assert.ok(err <= 1e-6, `erf(${x[i]}) = ${got[i]}, want ${erf64(x[i]!)} (seed ${r.seed})`);
  }
  console.log(`# erf max abs error ${worst.toExponential(2)}`);
});

test("f16 kernels: saxpy and row sums", async (t) => {
  if (noF16) t.skip(noF16);
  const r = rng("f16");
  const n = 1000, a = Math.f16round(r.uniform(-2, 2));
  const x = Float16Array.from({ length: n }, () => r.uniform(-1, 1));
  const y = Float16Array.from({ length: n }, () => r.uniform(-1, 1));
  const bx = await bufferWith("x16", x), by = await bufferWith("y16", y);
  await device().run(saxpyKernel("f16"), { grid: [Math.ceil(n / 64)], bindings: { x: bx, y: by }, params: { a, n } });
  const got = new Float16Array(await device().download(by));
  for (let i = 0; i < n; i++) {
    const want = a * x[i]! + y[i]!;
    assert.ok(Math.abs(got[i]! - want) <= 2e-3 * (1 + Math.abs(want)), `y[${i}] = ${got[i]}, want ${want} (seed ${r.seed})`);
  }

  const rows = 37, cols = 300;
  const m = Float16Array.from({ length: rows * cols }, () => r.uniform(-1, 1));
  const bm = await bufferWith("m16", m), out = await device().createBuffer("sums16", rows * 2);
  await device().run(rowSumKernel("f16"), { grid: [rows], bindings: { x: bm, out }, params: { cols } });
  const sums = new Float16Array(await device().download(out));
  for (let i = 0; i < rows; i++) {
    let want = 0;
    for (let c = 0; c < cols; c++) want += m[i * cols + c]!;
    assert.ok(Math.abs(sums[i]! - want) <= 1e-3 * (1 + Math.abs(want)), `row ${i}: ${sums[i]} vs ${want} (seed ${r.seed})`);
  }
});

test("an f16 kernel is refused, with the reason, by a device without shader-f16", async (t) => {
  if (noDevice) t.skip(noDevice);
  const plain = await openDevice({ features: [] });
  try {
    assert.equal(plain.features.has("shader-f16"), false);
    await assert.rejects(plain.compile(saxpyKernel("f16")), /lacks 'shader-f16'/);
    await plain.compile(saxpyKernel("f32")); // the f32 path always exists
  } finally {
    plain.dispose();
  }
});

test("subgroupAdd sums over each subgroup", async (t) => {
  if (noSubgroups) t.skip(noSubgroups);
  const r = rng("subgroups");
  const n = 256;
  const x = Float32Array.from({ length: n }, () => r.uniform(-1, 1));
  const bx = await bufferWith("x", x);
  const sum = await device().createBuffer("sum", n * 4), size = await device().createBuffer("size", n * 4), first = await device().createBuffer("first", n * 4);
  await device().run(subgroupSumKernel("f32"), { grid: [n / 64], bindings: { x: bx, sum, size, first } });
  const got = new Float32Array(await device().download(sum));
  const sizes = new Uint32Array(await device().download(size)), firsts = new Uint32Array(await device().download(first));
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) groups.set(firsts[i]!, [...(groups.get(firsts[i]!) ?? []), i]);
  console.log(`# subgroup size ${sizes[0]}, ${groups.size} subgroups`);
  for (const members of groups.values()) {
    assert.ok(members.length <= sizes[members[0]!]!, "a subgroup has no more members than its size");
    const want = members.reduce((s, i) => s + x[i]!, 0);
    for (const i of members) assert.ok(Math.abs(got[i]! - want) <= 1e-5, `sum at ${i}: ${got[i]} vs ${want} (seed ${r.seed})`);
  }
});

test("many dispatches with distinct uniforms in one encoder and one submit", async (t) => {
  if (noDevice) t.skip(noDevice);
  const r = rng("recorder");
  const d = device();
  const kernel = await d.compile(saxpyKernel("f32"));
  // Four segments of one buffer at 256-byte-aligned offsets, each its own length and scale.
  const lens = [100, 64, 37, 200];
  const stride = 256;
  const x = Float32Array.from({ length: lens.length * stride }, () => r.uniform(-1, 1));
  const y = Float32Array.from({ length: x.length }, () => r.uniform(-1, 1));
  const bx = await bufferWith("xs", x), by = await bufferWith("ys", y);
  const scales = lens.map(() => r.uniform(-2, 2));
  const before = { ...d.stats };
  const rec = d.recorder();
  const want = Float64Array.from(y);
  lens.forEach((len, s) => {
    const off = s * stride * 4; // 1 KiB apart: every offset 256-aligned
    const range = (b: DeviceBuffer) => ({ buffer: b, offset: off, size: len * 4 });
    rec.dispatch(kernel, { grid: [Math.ceil(len / 64)], bindings: { x: range(bx), y: range(by) }, params: { a: scales[s]!, n: len } });
    for (let i = 0; i < len; i++) want[off / 4 + i] = Math.fround(scales[s]!) * x[off / 4 + i]! + want[off / 4 + i]!;
  });
  // A second pass over segment 0 that depends on the first: dispatches run in order.
  rec.dispatch(kernel, { grid: [2], bindings: { x: { buffer: bx, size: 400 }, y: { buffer: by, size: 400 } }, params: { a: 0.5, n: 100 } });
  for (let i = 0; i < 100; i++) want[i] = 0.5 * x[i]! + Math.fround(want[i]!);
  assert.equal(rec.count, 5);
  await rec.submit();
  assert.equal(d.stats.submits - before.submits, 1);
  assert.equal(d.stats.dispatches - before.dispatches, 5);
  const got = new Float32Array(await d.download(by));
  for (let i = 0; i < got.length; i++) {
    assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `y[${i}] = ${got[i]}, want ${want[i]} (seed ${r.seed})`);
  }
});

test("pipelines are cached by WGSL text", async (t) => {
  if (noDevice) t.skip(noDevice);
  const d = device();
  const a = await d.compile(saxpyKernel("f32", 32));
  const b = await d.compile(saxpyKernel("f32", 32));
  assert.equal(a, b);
  assert.notEqual(a, await d.compile(saxpyKernel("f32", 128)));
});

test("a WGSL type error shows the compiler message and numbered source lines", async (t) => {
  if (noDevice) t.skip(noDevice);
  const source = [
    "// broken on purpose",
    "@group(0) @binding(0) var<storage, read_write> y: array<f32>;",
    "",
    "@compute @workgroup_size(64)",
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>) {",
    "  let i: u32 = gid.x;",
    "  let v: u32 = 1.5f;",
    "  y[i] = f32(v);",
    "}",
  ].join("\n");
  await assert.rejects(
    device().compileWgsl(source, { name: "broken", bindings: [{ name: "y", access: "read_write" }], uniform: null, logicalGrid: false }),
    (e: Error) => {
      assert.ok(e instanceof GpuError && e.kind === "compile", e.message);
      assert.match(e.message, /WGSL compile error in kernel 'broken'/);
      assert.match(e.message, /error at 7:\d+/);
      assert.match(e.message, />\s+7 \|   let v: u32 = 1\.5f;/, "the error line is marked and numbered");
      assert.match(e.message, /\s4 \| @compute/, "three lines before");
      assert.match(e.message, /\s9 \| }/, "two lines after (the source ends)");
      assert.doesNotMatch(e.message, /\s2 \| @group/, "no more than three lines before");
      return true;
    },
  );
});

test("allocation, binding and submission errors say what happened", async (t) => {
  if (noDevice) t.skip(noDevice);
  const d = device();
  await assert.rejects(d.createBuffer("arena0", 5 * 2 ** 30), /buffer 'arena0' of 5 GiB exceeds the device's maxBufferSize/);

  const tooWide = d.limits.maxComputeInvocationsPerWorkgroup * 2;
  await assert.rejects(d.compile(rowSumKernel("f32", tooWide)), new RegExp(`kernel 'row_sum_f32' does not fit this device: workgroup ${tooWide}x1x1`));

  const kernel = await d.compile(saxpyKernel("f32"));
  const big = await d.createBuffer("big", d.limits.maxStorageBufferBindingSize + 1024);
  const small = await d.createBuffer("small", 4096);
  assert.throws(() => d.recorder().dispatch(kernel, { grid: [1], bindings: { x: big, y: small }, params: { a: 1, n: 1 } }),
    /binding 'x' .* larger than maxStorageBufferBindingSize/);
  d.free(big);
  assert.throws(() => d.recorder().dispatch(kernel, { grid: [1], bindings: { x: small }, params: { a: 1, n: 1 } }), /binding 'y' is missing/);
  assert.throws(() => d.recorder().dispatch(kernel, { grid: [1], bindings: { x: small, y: small }, params: { a: 1, n: 1 } }), /overlap/);
  const other = await d.createBuffer("other", 4096);
  assert.throws(() => d.recorder().dispatch(kernel, { grid: [1], bindings: { x: small, y: other }, params: { a: 1 } }), /parameter 'n' is missing/);
  assert.throws(() => d.recorder().dispatch(kernel, { grid: [1], bindings: { x: small, y: other }, params: { a: 1, n: -1 } }), /'n' = -1 is not a u32/);
  assert.throws(() => d.recorder().dispatch(kernel, { grid: [70000], bindings: { x: small, y: other }, params: { a: 1, n: 1 } }), /only kernels that use logical workgroup ids can be folded/);

  // Passes the checks made here but not WebGPU's: a vec4 view needs at least 16 bytes bound.
  const vk = await d.compile(vec4Kernel());
  const rec = d.recorder().dispatch(vk, { grid: [1], bindings: { x: { buffer: small, size: 8 }, out: other }, params: { n4: 0, s: 1 } });
  await assert.rejects(rec.submit("tiny"), (e: Error) => {
    assert.ok(e instanceof GpuError && e.kind === "validation", e.message);
    assert.match(e.message, /validation error in run 'tiny' of 1 dispatch \(kernels: vec4_reverse_scale\)/);
    return true;
  });
  d.free(small);
  d.free(other);
  assert.throws(() => d.upload(small, new Float32Array(4)), /buffer 'small' was freed/);
});

test("a lost device makes later calls throw 'device lost'", async (t) => {
  if (noDevice) t.skip(noDevice);
  const d = await openDevice({ features: [] });
  d.gpu.destroy(); // what a driver reset looks like from here
  await d.gpu.lost;
  assert.equal(d.lost, true);
  await assert.rejects(d.createBuffer("after", 16), /device lost: destroyed/);
  d.dispose();
  await assert.rejects(d.createBuffer("after", 16), /was disposed/);
});

test("every expression kind (math, integer ops, casts, loops with break/continue, local arrays)", async (t) => {
  if (noDevice) t.skip(noDevice);
  const r = rng("expr_probe");
  const fixed = [0.5, 1.5, 2.5, 3.5, 1, 2, 3, 4, 0.25, 2.0000002];
  const x = Float32Array.from([...fixed, ...Array.from({ length: 1000 }, () => r.uniform(0.01, 4))]);
  const n = x.length, K = PROBES.length;
  const bx = await bufferWith("x", x), out = await device().createBuffer("out", n * K * 4);
  await device().run(exprProbeKernel(), { grid: [Math.ceil(n / 64)], bindings: { x: bx, out }, params: { n } });
  const got = new Float32Array(await device().download(out));
  for (let i = 0; i < n; i++) {
    PROBES.forEach((p, k) => {
      const want = p.js(x[i]!), have = got[i * K + k]!;
      assert.ok(Math.abs(have - want) <= p.tol(want), `${p.name} at v = ${x[i]}: ${have}, want ${want} (seed ${r.seed})`);
    });
  }
});
