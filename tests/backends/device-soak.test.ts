// Soak test of the WGSL device's native memory (issue #15 §4): many devices opened and disposed,
// many runs of one executable, and many devices each compiling, running and disposing a tiny
// graph. Checked: resident memory (RSS, after forced GCs) per cycle stays under a bound, the
// device's live-buffer counter comes back to its resting value after every run and to zero after
// every dispose, and disposed devices are garbage-collected.
//
// Bounds, from measurements on Mesa llvmpipe (Dawn through the `webgpu` package, Node 24, two
// CPU cores busy with other work); RSS moves by pages and with the allocators' pools, so each
// bound is several times what was measured:
//   open/dispose (with a 64-byte upload/download round trip), 100 cycles after 50 of warm-up:
//       < 256 KiB per cycle. Measured 66–102 KiB (18–37 KiB after 100 of warm-up: the allocators
//       are still growing; ~170 KiB per cycle over cycles 5–50). With a create([]) of the webgpu
//       package per openDevice(), as before the fix, the same window measured ~1.2 MiB per cycle
//       (a Dawn instance each; 2.0–2.4 MiB per cycle while disposed devices were also never
//       collected, see below), ~5× the bound; the test also asserts create() ran at most once.
//       The first create() costs ~100 MiB, which the warm-up absorbs.
//   runs of one executable, 300 after 300 of warm-up: < 64 KiB per run. Measured 18–20 KiB:
//       Dawn's and llvmpipe's memory keeps growing by 5–35 KiB per run for the first ~6000 runs
//       (~70–100 MiB in all), then stops (measured flat to 10000 runs). The bound catches a leak
//       of anything much larger than a small staging buffer per run; the live-buffer counter
//       catches every leaked buffer exactly.
//   open → compile → run → dispose (the executable owns its device), 100 cycles after 40 of
//       warm-up: < 1 MiB per cycle. Measured 64–300 KiB (with 10 of warm-up: 350–520 KiB): each
//       device compiles its pipelines again, and that memory keeps growing by ~50–400 KiB per
//       device for the first ~300 devices before it levels off. The bound catches a device whose
//       memory (a few MiB with its pipelines) outlives it; the create() count is asserted again.
//   disposed devices collected: ≥ 90 of 100 (measured all but at most the last, which an async
//       frame may still hold). Before the fix the device's onuncapturederror handler captured the
//       WgslDevice; dawn.node holds the handler strongly, so no disposed device was ever collected
//       (~80 KiB per cycle, too little for the RSS bound to see).
// Runtime: ~12–15 s.
//
// GC: the test runner does not pass --expose-gc, so the flag is set at run time and `gc` taken from
// a fresh context.

import assert from "node:assert/strict";
import { beforeAll, test } from "vitest";
import v8 from "node:v8";
import vm from "node:vm";
import type { WgslDevice } from "../../backends/wgsl/device.ts";
import { dawnGpuObjectsCreated, openDevice } from "../../backends/wgsl/device.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { compile } from "../../runtime/executable.ts";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const KIB = 1024;

async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
  return process.memoryUsage().rss;
}

/** Runs GCs until `count()` reaches `want` or the tries run out (finalizers run between turns). */
async function collectUntil(count: () => number, want: number): Promise<void> {
  for (let i = 0; i < 20 && count() < want; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

function report(what: string, cycles: number, grew: number, ms: number): number {
  const perCycle = grew / cycles;
  console.log(`# ${what}: ${cycles} cycles, RSS ${(grew / 2 ** 20).toFixed(2)} MiB (${(perCycle / KIB).toFixed(1)} KiB per cycle), ${ms.toFixed(0)} ms`);
  return perCycle;
}

let noDevice = "";
beforeAll(async () => {
  try {
    (await openDevice()).dispose(); // the process's GPU object: ~100 MiB once, before any measuring
  } catch (e) {
    noDevice = `no WebGPU device: ${(e as Error).message}`;
    console.log(`# skipping soak tests: ${noDevice}`);
  }
});

// y = 2x + 1 on f32[2, 8]: one fused elementwise kernel, two arenas.
function tiny(): Graph {
  return trace("soak", { x: { dtype: "f32", shape: [2, 8] } }, ({ x }) => ({ y: x!.mul(2).add(1) }));
}

test("openDevice/dispose cycles: RSS per cycle is bounded, no buffer outlives its free, devices are collected", async (t) => {
  if (noDevice) t.skip(noDevice);
  const data = new Uint32Array(16).map((_, i) => i * 7 + 1);
  let collected = 0;
  const registry = new FinalizationRegistry<number>(() => { collected++; });
  const cycle = async (track: boolean): Promise<void> => {
    const dev = await openDevice();
    assert.equal(dev.liveBuffers, 0);
    const buf = await dev.createBuffer("soak", data.byteLength);
    assert.equal(dev.liveBuffers, 1);
    dev.upload(buf, data);
    assert.deepEqual(new Uint32Array(await dev.download(buf)), data);
    assert.equal(dev.liveBuffers, 1, "the staging buffer of download() is destroyed");
    dev.free(buf);
    assert.equal(dev.liveBuffers, 0);
    dev.dispose();
    assert.equal(dev.liveBuffers, 0);
    if (track) registry.register(dev, 0);
  };
  for (let i = 0; i < 50; i++) await cycle(false);
  const N = 100;
  const r0 = await settledRss();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await cycle(true);
  const perCycle = report("open/dispose", N, (await settledRss()) - r0, performance.now() - t0);
  assert.ok(perCycle < 256 * KIB, `RSS grew ${(perCycle / KIB).toFixed(1)} KiB per open/dispose cycle (bound 256 KiB)`);
  assert.ok(dawnGpuObjectsCreated() <= 1, `the webgpu package's create() was called ${dawnGpuObjectsCreated()} times; once per process is enough`);
  await collectUntil(() => collected, N - 1);
  assert.ok(collected >= 0.9 * N, `only ${collected} of ${N} disposed devices were garbage-collected`);
});

test("runs of one executable: RSS per run is bounded, buffers back to the arenas and the uniform arena", async (t) => {
  if (noDevice) t.skip(noDevice);
  const dev: WgslDevice = await openDevice();
  try {
    const exe = await compile(tiny(), { target: "wgsl", device: dev });
    const arenas = exe.arenaBuffers.length;
    assert.equal(dev.liveBuffers, arenas);
    const run = async (i: number): Promise<void> => {
      const x = tensor("f32", [2, 8], Array.from({ length: 16 }, (_, k) => k + i));
      const { y } = await exe.run({ x });
      assert.equal(y!.data[5], 2 * (5 + i) + 1);
      // The arenas, plus the device's uniform arena (made by the first run, kept for later ones).
      assert.equal(dev.liveBuffers, arenas + 1, `live buffers after run ${i}`);
    };
    for (let i = 0; i < 300; i++) await run(i);
    const N = 300;
    const r0 = await settledRss();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await run(i);
    const perRun = report("runs", N, (await settledRss()) - r0, performance.now() - t0);
    assert.ok(perRun < 64 * KIB, `RSS grew ${(perRun / KIB).toFixed(1)} KiB per run (bound 64 KiB)`);
    exe.dispose();
    assert.equal(dev.liveBuffers, 1, "only the uniform arena is left once the executable is disposed");
  } finally {
    dev.dispose();
  }
  assert.equal(dev.liveBuffers, 0);
});

test("open → compile → run → dispose cycles: RSS per cycle is bounded, every buffer is destroyed", async (t) => {
  if (noDevice) t.skip(noDevice);
  const g = tiny();
  const x = tensor("f32", [2, 8], Array.from({ length: 16 }, (_, k) => k));
  let collected = 0;
  const registry = new FinalizationRegistry<number>(() => { collected++; });
  const cycle = async (track: boolean): Promise<void> => {
    const exe = await compile(g, { target: "wgsl" }); // owns its device
    const { y } = await exe.run({ x });
    assert.equal(y!.data[3], 7);
    exe.dispose();
    assert.equal(exe.device.liveBuffers, 0);
    if (track) registry.register(exe.device, 0);
  };
  for (let i = 0; i < 40; i++) await cycle(false);
  const N = 100;
  const r0 = await settledRss();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await cycle(true);
  const perCycle = report("open/compile/run/dispose", N, (await settledRss()) - r0, performance.now() - t0);
  assert.ok(perCycle < 1024 * KIB, `RSS grew ${(perCycle / KIB).toFixed(1)} KiB per cycle (bound 1 MiB)`);
  assert.ok(dawnGpuObjectsCreated() <= 1, `the webgpu package's create() was called ${dawnGpuObjectsCreated()} times`);
  await collectUntil(() => collected, N - 1);
  assert.ok(collected >= 0.9 * N, `only ${collected} of ${N} disposed devices were garbage-collected`);
});
