// matmul: our compiled a.matmul(b) against TensorFlow.js's WebGPU backend, same process, same
// Dawn GPU object, square f32 problems n×n·n×n.
//
// shapes: a f32[n, n], b f32[n, n] → c f32[n, n]; 2n³ FLOP per product.
//
// Timed (the headline): GPU time with inputs resident on the device — record the dispatches,
// submit, await queue.onSubmittedWorkDone() — for both sides; no upload, no readback. Runs of the
// two sides alternate so that load from other processes hits both alike; the median is reported.
// Also timed unless --quick: end to end, i.e. host arrays in → product on the host (ours:
// Executable.run with its f64→f32 upload and readback; tfjs: tensor2d ×2 + matMul + data()).
//
// Checked before any timing: 64 sampled entries of both products against a float64 JS dot product
// of the same f32 inputs, and all of ours against TensorFlow.js's product.

import { fileURLToPath } from "node:url";
import { trace } from "../compiler/dsl/trace.ts";
import type { RefTensor } from "../compiler/ir/ref.ts";
import { compile } from "../runtime/executable.ts";
import { LaunchRunner } from "./launches.ts";
import type { WgslDevice } from "../backends/wgsl/device.ts";
import type { BenchOptions, Log, ResultLine, TfWebgpu } from "./util.ts";
import { describeTiming, fmt, hostLoad, loadTfjsWebgpu, maxAbsDiff, openBenchGpu, resultLine, timePair, uniformF32 } from "./util.ts";

export const MATMUL_SIZES: readonly number[] = [256, 512, 1024, 2048];
export const MATMUL_QUICK_SIZES: readonly number[] = [256, 512, 1024];
/** The size whose line comes last (the headline). */
export const MATMUL_HEADLINE = 1024;

export interface MatmulBenchOptions extends BenchOptions {
  readonly sizes?: readonly number[];
}

const gflops = (n: number, ms: number) => (2 * n ** 3) / (ms * 1e6);

/** Runs the matmul benchmark; returns one result per size, the headline last (also printed last). */
export async function runMatmulBench(opts: MatmulBenchOptions, log: Log = console.log): Promise<ResultLine[]> {
  const sizes = opts.sizes ?? (opts.quick ? MATMUL_QUICK_SIZES : MATMUL_SIZES);
  for (const n of sizes) if (!Number.isInteger(n) || n < 1) throw new Error(`matmul size must be a positive integer, got ${n}`);
  const { device, name: deviceName } = await openBenchGpu();
  const tfw = await loadTfjsWebgpu();
  const { tf } = tfw;
  log(`device: ${deviceName} (tfjs adapter: ${tfw.name})`);
  log(`tfjs-core ${tf.version_core}, backend ${tf.getBackend()}; ${hostLoad()}`);
  log(`timing: GPU time with inputs resident (submit → onSubmittedWorkDone), median of ${opts.reps} after ${opts.warmup} warm-up, both sides alternating`);
  const results: ResultLine[] = [];
  try {
    for (const n of sizes) results.push(await benchSize(n, opts, log, device, deviceName, tfw));
  } finally {
    device.dispose();
    tfw.backend.dispose();
  }
  const headline = results.find((r) => r.name === `matmul-${MATMUL_HEADLINE}`) ?? results[results.length - 1]!;
  const ordered = [...results.filter((r) => r !== headline), headline];
  log("");
  for (const r of ordered) log(resultLine(r));
  return ordered;
}

async function benchSize(n: number, opts: MatmulBenchOptions, log: Log, device: WgslDevice, deviceName: string, tfw: TfWebgpu): Promise<ResultLine> {
  const { tf } = tfw;
  log("");
  log(`== matmul ${n}×${n}·${n}×${n} f32 (${fmt((2 * n ** 3) / 1e9)} GFLOP per product)`);

  // Ours: trace, compile, upload once.
  const graph = trace(`matmul_${n}`, { a: { dtype: "f32", shape: [n, n] }, b: { dtype: "f32", shape: [n, n] } }, ({ a, b }) => ({ c: a!.matmul(b!) }));
  const av = uniformF32(n * n, 0x5eed + n), bv = uniformF32(n * n, 0xbeef + n);
  const a: RefTensor = { dtype: "f32", shape: [n, n], data: Float64Array.from(av) };
  const b: RefTensor = { dtype: "f32", shape: [n, n], data: Float64Array.from(bv) };
  let t0 = performance.now();
  const exe = await compile(graph, { target: "wgsl", device });
  const compileMs = performance.now() - t0;
  // The first Executable.run (inside create) includes the shader JIT that llvmpipe does on a
  // pipeline's first dispatch.
  t0 = performance.now();
  const runner = await LaunchRunner.create(exe, { a, b }, {});
  const firstOurs = performance.now() - t0;
  const ta = tf.tensor2d(av, [n, n]), tb = tf.tensor2d(bv, [n, n]);
  try {
    log(`ours: ${exe.dispatchCount} dispatch${exe.dispatchCount === 1 ? "" : "es"} (${exe.compiled.launches.map((l) => l.kernel.name).join(", ")}), compiled in ${fmt(compileMs)} ms`);

    // Check first: a fast wrong answer is not a result.
    await runner.dispatch();
    const c = (await runner.read("c")).data;
    t0 = performance.now();
    const tc = tf.matMul(ta, tb);
    const tcv = (await tc.data()) as Float32Array;
    const firstTf = performance.now() - t0;
    tc.dispose();
    // 64 sampled entries of both products against a float64 dot product of the same f32 inputs.
    let errOurs = 0, errTf = 0, scale = 0;
    for (let s = 0; s < 64; s++) {
      const i = (s * 7919 + 3) % n, j = (s * 104729 + 5) % n;
      let ref = 0;
      for (let k = 0; k < n; k++) ref += av[i * n + k]! * bv[k * n + j]!;
      errOurs = Math.max(errOurs, Math.abs(ref - c[i * n + j]!));
      errTf = Math.max(errTf, Math.abs(ref - tcv[i * n + j]!));
      scale = Math.max(scale, Math.abs(ref));
    }
    const tol = 1e-4 * Math.max(1, scale);
    const vsTf = maxAbsDiff(c, tcv);
    log(`check: 64 sampled entries vs float64 dot product: ours max |err| ${errOurs.toExponential(2)}, tfjs ${errTf.toExponential(2)} (tol ${tol.toExponential(1)}); all ${n * n} entries ours vs tfjs max |diff| ${vsTf.err.toExponential(2)} (max |c| ${fmt(vsTf.scale)})`);
    if (!(errOurs <= tol)) throw new Error(`matmul ${n}: our product is wrong (sampled max |err| ${errOurs} > ${tol})`);
    if (!(errTf <= tol)) throw new Error(`matmul ${n}: the tfjs product is wrong (sampled max |err| ${errTf} > ${tol})`);
    if (!(vsTf.err <= 1e-4 * Math.max(1, vsTf.scale))) throw new Error(`matmul ${n}: ours and tfjs disagree (max |diff| ${vsTf.err})`);
    log(`first run (shader JIT included; upload and readback too): ours ${fmt(firstOurs)} ms, tfjs ${fmt(firstTf)} ms`);

    // GPU time, both sides alternating.
    const [ours, theirs] = await timePair(
      () => runner.dispatch(),
      async () => {
        const out = tf.matMul(ta, tb);
        await tfw.sync();
        out.dispose();
      },
      opts,
    );
    log(`GPU time   ours ${describeTiming(ours)} → ${fmt(gflops(n, ours.median))} GFLOP/s`);
    log(`GPU time   tfjs ${describeTiming(theirs)} → ${fmt(gflops(n, theirs.median))} GFLOP/s`);

    if (!opts.quick) {
      const [e2eOurs, e2eTf] = await timePair(
        async () => void (await exe.run({ a, b })),
        async () => {
          const x = tf.tensor2d(av, [n, n]), y = tf.tensor2d(bv, [n, n]);
          const out = tf.matMul(x, y);
          await out.data();
          tf.dispose([x, y, out]);
        },
        opts,
      );
      log(`end to end ours ${describeTiming(e2eOurs)} → ${fmt(gflops(n, e2eOurs.median))} GFLOP/s (Executable.run: upload, dispatch, readback)`);
      log(`end to end tfjs ${describeTiming(e2eTf)} → ${fmt(gflops(n, e2eTf.median))} GFLOP/s (tensor2d ×2, matMul, data())`);
    }

    log(`host after timing: ${hostLoad()}`);
    const o = gflops(n, ours.median), t = gflops(n, theirs.median);
    return { name: `matmul-${n}`, ratio: o / t, ours: o, baseline: t, baselineName: "tfjs-webgpu", unit: "GFLOP/s", device: deviceName };
  } finally {
    tf.dispose([ta, tb]);
    exe.dispose();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // node bench/matmul.ts [n ...]
  const sizes = process.argv.slice(2).map(Number);
  await runMatmulBench({ reps: 5, warmup: 2, quick: false, ...(sizes.length ? { sizes } : {}) });
}
