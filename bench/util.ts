// Shared pieces of the benchmarks: one GPU object for our device and TensorFlow.js alike, the
// TensorFlow.js WebGPU backend as the peer, timing (median after warm-up), and the result line.
//
// Every bench ends with one line in a fixed format that scripts can grep:
//
//   NAME: ratio R (ours A UNIT vs BASELINE B UNIT) on DEVICE
//
// R > 1 means ours is better (higher throughput, or lower time).

import { availableParallelism, loadavg } from "node:os";
import type * as Tf from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { AdapterDescription, WgslDevice } from "../backends/wgsl/device.ts";
import { openDevice } from "../backends/wgsl/device.ts";
import { WaitHistory, quietly } from "../backends/wgsl/quiet-wait.ts";

export type Log = (line: string) => void;

export interface BenchOptions {
  /** Timed runs per measurement (the median is reported). */
  readonly reps: number;
  /** Untimed runs before timing (pipeline creation, first-use uploads, caches). */
  readonly warmup: number;
  /** Fewer sizes and no end-to-end timings: a quick look. */
  readonly quick: boolean;
}

/**
 * A bench file's own command line (`node bench/x.ts --quick --reps 5 --warmup 2 ...`): the
 * options with `showo bench`'s defaults (reps 5 and warmup 2, with --quick 3 and 1), and `value`
 * for the file's other `--name N` flags.
 */
export function benchArgs(args: readonly string[]): { opts: BenchOptions; value(flag: string): number | undefined; has(flag: string): boolean } {
  const has = (flag: string) => args.includes(flag);
  const value = (flag: string): number | undefined => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const v = Number(args[i + 1]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} must be a positive integer, got '${args[i + 1] ?? ""}'`);
    return v;
  };
  const quick = has("--quick");
  return { opts: { reps: value("--reps") ?? (quick ? 3 : 5), warmup: value("--warmup") ?? (quick ? 1 : 2), quick }, value, has };
}

// ---------------------------------------------------------------------------------------------
// The GPU object

export interface BenchGpu {
  /** The `webgpu` package's create([]) result: our device and TensorFlow.js both request adapters from it. */
  readonly gpu: GPU;
  readonly device: WgslDevice;
  /** The adapter, named for the result line. */
  readonly name: string;
}

/**
 * Opens our device on a GPU object that TensorFlow.js will also find as `navigator.gpu`.
 *
 * With Dawn in Node the create() result must stay strongly reachable while devices made from it
 * live, or the process crashes under pending work (webgpu README, "Lifetime"): it is kept on
 * globalThis for the life of the process. Node's `navigator` is a getter-only global, so
 * plain assignment is ignored; defineProperty replaces it.
 */
export async function openBenchGpu(): Promise<BenchGpu> {
  const keep = globalThis as { __showoBenchGpu?: GPU };
  if (!keep.__showoBenchGpu) {
    if (process.env["XDG_RUNTIME_DIR"] === undefined) process.env["XDG_RUNTIME_DIR"] = "/tmp"; // Dawn's Vulkan loader warns without it
    const webgpu = (await import("webgpu")) as unknown as { create(opts: string[]): GPU; globals: Record<string, unknown> };
    // TensorFlow.js reads GPUBufferUsage, GPUMapMode, ... as globals, which Node lacks.
    Object.assign(globalThis, webgpu.globals);
    const gpu = webgpu.create([]);
    keep.__showoBenchGpu = gpu;
    Object.defineProperty(globalThis, "navigator", { value: { gpu, userAgent: "node" }, configurable: true, writable: true });
  }
  const gpu = keep.__showoBenchGpu;
  const device = await openDevice({ gpu, label: "showo-bench" });
  return { gpu, device, name: deviceName(device.adapter) };
}

/** The adapter as people name it: its description (e.g. "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)"), else vendor and device. */
export function deviceName(a: AdapterDescription): string {
  const d = a.description.replace(/\s+/g, " ").trim();
  if (d) return d;
  return [a.vendor, a.architecture, a.device].filter((s) => s).join(" ") || "unknown adapter";
}

// ---------------------------------------------------------------------------------------------
// The peer: TensorFlow.js on its WebGPU backend

export interface TfWebgpu {
  readonly tf: typeof Tf;
  readonly backend: WebGPUBackend;
  /** The adapter TensorFlow.js got, named like ours. */
  readonly name: string;
  /** Submits what the backend has recorded and resolves when the GPU has finished it. */
  sync(): Promise<void>;
}

/** TensorFlow.js with the WebGPU backend, on the GPU object openBenchGpu() published as navigator.gpu. */
export async function loadTfjsWebgpu(): Promise<TfWebgpu> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (!nav?.gpu) throw new Error("open the bench GPU (openBenchGpu) before loading TensorFlow.js: it finds the GPU as navigator.gpu");
  // Imported only now: the backend checks for navigator.gpu when its module loads.
  const tf = (await import("@tensorflow/tfjs-core")) as typeof Tf;
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) throw new Error("TensorFlow.js could not start its WebGPU backend on this adapter");
  await tf.ready();
  const backend = tf.backend() as WebGPUBackend;
  const info = (backend as unknown as { adapterInfo?: { vendor?: string; architecture?: string; device?: string; description?: string } }).adapterInfo;
  const name = info
    ? deviceName({ vendor: info.vendor ?? "", architecture: info.architecture ?? "", device: info.device ?? "", description: info.description ?? "" })
    : "unknown adapter";
  // WebGPUBackend batches dispatches into one compute pass and submits every few dispatches or
  // on readback; end the pass and submit the rest, then wait for the queue.
  const b = backend as unknown as { commandEncoder: GPUCommandEncoder | null; endComputePassEncoder(): void; submitQueue(): void };
  const sync = async () => {
    b.endComputePassEncoder();
    if (b.commandEncoder) b.submitQueue();
    await backend.device.queue.onSubmittedWorkDone();
  };
  return { tf, backend, name, sync };
}

// ---------------------------------------------------------------------------------------------
// Timing

export interface Timing {
  /** Median of the timed runs, ms. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** The first (cold) run, ms. */
  readonly first: number;
  readonly samples: readonly number[];
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median of no samples");
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function stats(samples: readonly number[], first: number): Timing {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), first, samples };
}

/** Runs `fn` `warmup` times untimed (the first of them reported as `first`), then `reps` times timed. */
export async function time(fn: () => Promise<void>, opts: { reps: number; warmup: number }): Promise<Timing> {
  const waits = new WaitHistory();
  const first = await warm(fn, opts.warmup, waits);
  const samples: number[] = [];
  for (let i = 0; i < Math.max(1, opts.reps); i++) samples.push(await once(fn, waits));
  return stats(samples, first);
}

/**
 * Times two functions alternately (A B, B A, A B, ...) after warming each up, so that a burst of
 * load from other processes lands on both sides alike.
 */
export async function timePair(a: () => Promise<void>, b: () => Promise<void>, opts: { reps: number; warmup: number }): Promise<[Timing, Timing]> {
  const wa = new WaitHistory(), wb = new WaitHistory();
  const firstA = await warm(a, opts.warmup, wa);
  const firstB = await warm(b, opts.warmup, wb);
  const sa: number[] = [], sb: number[] = [];
  for (let i = 0; i < Math.max(1, opts.reps); i++) {
    if (i % 2 === 0) {
      sa.push(await once(a, wa));
      sb.push(await once(b, wb));
    } else {
      sb.push(await once(b, wb));
      sa.push(await once(a, wa));
    }
  }
  return [stats(sa, firstA), stats(sb, firstB)];
}

/**
 * Times several sides in rounds after warming each up (`warmup` runs, at least one), the order
 * reversing every round (A B C, C B A, A B C, ...), so that a burst of load from other processes
 * lands on every side alike and no side always runs first or last. Sample i of every side comes
 * from round i (see roundRatios). A side may return its own measure in ms (say, the run phase of a
 * loop whose host-side set-up should not count); otherwise its wall time is taken.
 */
export async function timeRounds(sides: readonly (() => Promise<number | void>)[], opts: { reps: number; warmup: number }): Promise<Timing[]> {
  const waits = sides.map(() => new WaitHistory());
  const firsts: number[] = [];
  for (let s = 0; s < sides.length; s++) {
    firsts.push(await measure(sides[s]!, waits[s]!));
    for (let i = 1; i < opts.warmup; i++) await quietly(sides[s]!, waits[s]!);
  }
  const samples: number[][] = sides.map(() => []);
  for (let r = 0; r < Math.max(1, opts.reps); r++) {
    const order = sides.map((_, s) => (r % 2 === 0 ? s : sides.length - 1 - s));
    for (const s of order) samples[s]!.push(await measure(sides[s]!, waits[s]!));
  }
  return samples.map((xs, s) => stats(xs, firsts[s]!));
}

/** a's sample over b's, round by round (timings from one timeRounds call). */
export function roundRatios(a: Timing, b: Timing): number[] {
  if (a.samples.length !== b.samples.length) throw new Error(`round ratios of ${a.samples.length} and ${b.samples.length} samples`);
  return a.samples.map((x, i) => x / b.samples[i]!);
}

/** "1.52 (per round 1.31–1.70)": the ratio of medians and the range of the round-by-round ratios. */
export function describeRatio(ratio: number, perRound: readonly number[]): string {
  return `${ratio.toFixed(2)} (per round ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}, n=${perRound.length})`;
}

async function measure(fn: () => Promise<number | void>, waits: WaitHistory): Promise<number> {
  const t0 = performance.now();
  const own = await quietly(fn, waits);
  return typeof own === "number" ? own : performance.now() - t0;
}

// Every timed or warm-up call runs inside quietly(), each side with its own history of waits:
// Dawn's event polling follows the same rule for both sides (ours waits that way anyway;
// TensorFlow.js awaits Dawn's promises itself), so neither side's long waits take a core from
// llvmpipe's shader threads (backends/wgsl/quiet-wait.ts).
async function once(fn: () => Promise<void>, waits: WaitHistory): Promise<number> {
  const t0 = performance.now();
  await quietly(fn, waits);
  return performance.now() - t0;
}

// At least one untimed run; the first one's time is returned.
async function warm(fn: () => Promise<void>, runs: number, waits: WaitHistory): Promise<number> {
  const first = await once(fn, waits);
  for (let i = 1; i < runs; i++) await quietly(fn, waits);
  return first;
}

// ---------------------------------------------------------------------------------------------
// Reporting

/** Significant digits that keep small and large numbers readable. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

export interface ResultLine {
  readonly name: string;
  /** > 1 when ours is better. */
  readonly ratio: number;
  readonly ours: number;
  readonly baseline: number;
  readonly baselineName: string;
  readonly unit: string;
  readonly device: string;
}

/** `NAME: ratio R (ours A UNIT vs BASELINE B UNIT) on DEVICE`. */
export function resultLine(r: ResultLine): string {
  return `${r.name}: ratio ${r.ratio.toFixed(2)} (ours ${fmt(r.ours)} ${r.unit} vs ${r.baselineName} ${fmt(r.baseline)} ${r.unit}) on ${r.device}`;
}

/** CPU count, load average and LP_NUM_THREADS: on a software adapter other processes' load moves every number. */
export function hostLoad(): string {
  const [l1, l5] = loadavg();
  return `${availableParallelism()} CPUs, load average ${l1!.toFixed(2)} (1 min) ${l5!.toFixed(2)} (5 min), LP_NUM_THREADS=${process.env["LP_NUM_THREADS"] ?? "(unset)"}`;
}

/** "12.3 ms (min 11.9, max 13.0, first 40.1, n=5)". */
export function describeTiming(t: Timing): string {
  return `${fmt(t.median)} ms (min ${fmt(t.min)}, max ${fmt(t.max)}, first ${fmt(t.first)}, n=${t.samples.length})`;
}

// ---------------------------------------------------------------------------------------------
// Inputs and checks

/** Uniform values in [-1, 1) from a 32-bit seed (mulberry32), as f32. */
export function uniformF32(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Largest |a[i] − b[i]| and largest |b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { err: number; scale: number } {
  if (a.length !== b.length) throw new Error(`comparing ${a.length} values with ${b.length}`);
  let err = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    // NaN anywhere is a failure, never a silent pass.
    if (!(d <= err)) err = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { err, scale };
}
