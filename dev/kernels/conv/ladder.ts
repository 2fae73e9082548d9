// Convolution kernel ladder: the forms of conv2d, conv2d_grad_input and conv2d_grad_weight at
// MAGVIT-v2 tiny's layer shapes (batch 32, 32×32 images), each checked against the float64
// reference interpreter before it is timed, and timed round-robin with the matmul builder's
// 1024³ kernel in the same run (the yardstick of "within 2× of the matmul").
//
//   node dev/kernels/conv/ladder.ts [case ...]         cases: see CASES (default: all)
//   OPS=fwd,dx,dw VARIANTS=direct,gemm REPS=5 node dev/kernels/conv/ladder.ts c32
//
// Timing: one dispatch per submit, submit → onSubmittedWorkDone inside quietly() (each variant
// with its own wait history, as the benches do); REPS interleaved rounds after one warm-up;
// median and min reported, with the host's load before and after.
//
// Measured on llvmpipe (Mesa 25.0.7, LLVM 15, 2 shared vCPUs at load 2.5–9 from other jobs; ×
// matmul 1024³ in the same run, medians; runs move ±30%):
//   direct forms (before): conv2d 0.21–0.47×, conv2d_grad_input 0.05–0.17×, conv2d_grad_weight
//     0.04–0.15× at every shape.
//   pixel tiles (conv2d, dx), 4 px × 8 ch, weights broadcast ("g4x8", the default): 0.6–1.1× at
//     the 3×3 stride-1 shapes (c32, c64x16, c64x8, c64to32), 0.4–0.6× for the Downsample
//     (stride 2: 9 input values per row for 12 taps) and 0.3–0.45× for the small ones (nin, in,
//     out: few multiply-adds per loaded value, and launch-bound). Without the broadcast ("g4x8n")
//     0.22–0.29×: sharing the weight loads is the change. 16 channels, 8-pixel strips, 4 channels,
//     2-pixel strips, fma(), 32- or 16-invocation workgroups: no consistent gain (0.65–1.0 of
//     g4x8 within one run, and the other way in the next).
//   1×1 kernels (nin, attn): 16 channels per invocation ("g4x16") 0.75–0.89× for conv2d and
//     0.54–0.65× for dx against 0.36–0.64× and 0.32–0.47× with 8 (one run, load 7): the default
//     for one-column kernels ("auto" is what the builders choose).
//   weight tiles (dw), (c, i) × 8 ch, strips of 4, g broadcast: 0.5–1.3× at the 3×3 shapes with
//     16-invocation workgroups (the default; 0.42–0.89× with 64 in the same runs: the grid is
//     C·kh/workgroup × O/8, so smaller workgroups give the threads more to share), 0.2–0.3× for
//     1×1 and for C or O = 3.
// The whole model is `node bench/conv.ts`; both are in BENCHMARKS.md, "Convolutions".

import { loadavg } from "node:os";
import { run as reference } from "../../../backends/reference/interpreter.ts";
import type { DeviceBuffer } from "../../../backends/wgsl/device.ts";
import { openDevice } from "../../../backends/wgsl/device.ts";
import { WaitHistory, quietly } from "../../../backends/wgsl/quiet-wait.ts";
import { Tensor } from "../../../compiler/dsl/tensor.ts";
import { trace } from "../../../compiler/dsl/trace.ts";
import { apply } from "../../../compiler/ir/build.ts";
import type { Attrs, Graph, Node } from "../../../compiler/ir/graph.ts";
import type { RefTensor } from "../../../compiler/ir/ref.ts";
import { concreteShape } from "../../../compiler/ir/types.ts";
import * as conv from "../../../compiler/kernels/builders/conv.ts";
import type { ConvGemmOptions } from "../../../compiler/kernels/builders/conv-gemm.ts";
import * as gemm from "../../../compiler/kernels/builders/conv-gemm.ts";
import { buildMatmul } from "../../../compiler/kernels/builders/matmul.ts";
import type { Launch } from "../../../compiler/kernels/emit.ts";
import type { TargetCaps } from "../../../compiler/kernels/target.ts";
import type { FusionGroup, Partition } from "../../../compiler/kernels/fuse-elementwise.ts";
import { capsOf, lower } from "../../../runtime/executable.ts";

type Op = "fwd" | "dx" | "dw";
type Build = (group: FusionGroup, caps: TargetCaps, part: Partition) => Launch | Launch[];
const D = gemm.DEFAULT_CONV_GEMM_OPTIONS;
const o = (x: Partial<ConvGemmOptions>): ConvGemmOptions => ({ ...D, ...x });
const ow = (x: Partial<ConvGemmOptions>): ConvGemmOptions => ({ ...D, workgroup: 64, ...x }); // dw: the earlier default workgroup unless given

// The forms on the ladder, per op. Measured results are in BENCHMARKS.md ("Convolutions").
const VARIANTS: Record<Op, Record<string, { what: string; build: Build }>> = {
  fwd: {
    direct: { what: "pixels × channels per invocation, no sharing", build: (g, c, p) => conv.buildConv2dDirect(g, c, p) },
    auto: { what: "the builder's defaults (g4x8; g4x16 for 1×1)", build: (g, c, p) => gemm.buildConv2dGemm(g, c, p) },
    g4x8: { what: "pixel tiles 4 px × 8 ch, weights broadcast", build: (g, c, p) => gemm.buildConv2dGemm(g, c, p, o({})) },
    g4x8n: { what: "pixel tiles 4 px × 8 ch, no sharing", build: (g, c, p) => gemm.buildConv2dGemm(g, c, p, o({ share: false })) },
    g4x16: { what: "pixel tiles 4 px × 16 ch, weights broadcast", build: (g, c, p) => gemm.buildConv2dGemm(g, c, p, o({ channels: 16 })) },
    g8x8: { what: "pixel tiles 8 px × 8 ch, weights broadcast", build: (g, c, p) => gemm.buildConv2dGemm(g, c, p, o({ strip: 8 })) },
    g4x8f: { what: "g4x8 with fma()", build: (g, c, p) => gemm.buildConv2dGemm(g, c, p, o({ fma: true })) },
    g4x4: { what: "pixel tiles 4 px × 4 ch, weights broadcast", build: (g, c, p) => gemm.buildConv2dGemm(g, c, p, o({ channels: 4 })) },
    g2x8: { what: "pixel tiles 2 px × 8 ch, weights broadcast", build: (g, c, p) => gemm.buildConv2dGemm(g, c, p, o({ strip: 2 })) },
    g4x8w32: { what: "g4x8 with 32-invocation workgroups", build: (g, c, p) => gemm.buildConv2dGemm(g, c, p, o({ workgroup: 32 })) },
    g4x8w16: { what: "g4x8 with 16-invocation workgroups", build: (g, c, p) => gemm.buildConv2dGemm(g, c, p, o({ workgroup: 16 })) },
  },
  dx: {
    direct: { what: "one invocation per dx element", build: conv.buildConv2dGradInputDirect },
    auto: { what: "the builder's defaults (g4x8; g4x16 for 1×1)", build: (g, c, p) => gemm.buildConv2dGradInputGemm(g, c, p) },
    g4x8: { what: "pixel tiles per class 4 px × 8 ch, weights broadcast", build: (g, c, p) => gemm.buildConv2dGradInputGemm(g, c, p, o({})) },
    g4x16: { what: "pixel tiles per class 4 px × 16 ch", build: (g, c, p) => gemm.buildConv2dGradInputGemm(g, c, p, o({ channels: 16 })) },
    g8x8: { what: "pixel tiles per class 8 px × 8 ch", build: (g, c, p) => gemm.buildConv2dGradInputGemm(g, c, p, o({ strip: 8 })) },
    g4x8f: { what: "g4x8 with fma()", build: (g, c, p) => gemm.buildConv2dGradInputGemm(g, c, p, o({ fma: true })) },
    g4x8w32: { what: "g4x8 with 32-invocation workgroups", build: (g, c, p) => gemm.buildConv2dGradInputGemm(g, c, p, o({ workgroup: 32 })) },
    g4x8w16: { what: "g4x8 with 16-invocation workgroups", build: (g, c, p) => gemm.buildConv2dGradInputGemm(g, c, p, o({ workgroup: 16 })) },
  },
  dw: {
    direct: { what: "one invocation per dw element", build: conv.buildConv2dGradWeightDirect },
    auto: { what: "the builder's defaults (g4x8w16)", build: (g, c, p) => gemm.buildConv2dGradWeightGemm(g, c, p) },
    g4x8: { what: "weight tiles (c, i) × 8 ch, strips of 4, g broadcast", build: (g, c, p) => gemm.buildConv2dGradWeightGemm(g, c, p, ow({})) },
    g8x8: { what: "weight tiles (c, i) × 8 ch, strips of 8", build: (g, c, p) => gemm.buildConv2dGradWeightGemm(g, c, p, ow({ strip: 8 })) },
    g4x16: { what: "weight tiles (c, i) × 16 ch, strips of 4", build: (g, c, p) => gemm.buildConv2dGradWeightGemm(g, c, p, ow({ channels: 16 })) },
    g4x8f: { what: "g4x8 with fma()", build: (g, c, p) => gemm.buildConv2dGradWeightGemm(g, c, p, ow({ fma: true })) },
    g4x8w32: { what: "g4x8 with 32-invocation workgroups", build: (g, c, p) => gemm.buildConv2dGradWeightGemm(g, c, p, ow({ workgroup: 32 })) },
    g4x8w16: { what: "g4x8 with 16-invocation workgroups", build: (g, c, p) => gemm.buildConv2dGradWeightGemm(g, c, p, ow({ workgroup: 16 })) },
    g8x8w16: { what: "g8x8 with 16-invocation workgroups", build: (g, c, p) => gemm.buildConv2dGradWeightGemm(g, c, p, ow({ workgroup: 16, strip: 8 })) },
    g4x16w16: { what: "g4x16 with 16-invocation workgroups", build: (g, c, p) => gemm.buildConv2dGradWeightGemm(g, c, p, ow({ workgroup: 16, channels: 16 })) },
    g8x4: { what: "weight tiles (c, i) × 4 ch, strips of 8", build: (g, c, p) => gemm.buildConv2dGradWeightGemm(g, c, p, ow({ channels: 4, strip: 8 })) },
  },
};

interface Case { x: number[]; w: number[]; stride: number[]; padding: number[]; note: string }
/** MAGVIT-v2 tiny at batch 32, 32×32 images (models/magvit2.ts MAGVIT2_TINY). */
const CASES: Record<string, Case> = {
  c32: { x: [32, 32, 32, 32], w: [32, 32, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], note: "ResnetBlock conv at level 0 (5 of these: 3.0 of 6.6 GFLOP)" },
  c64x16: { x: [32, 64, 16, 16], w: [64, 64, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], note: "decoder Upsample conv at 16²" },
  c64x8: { x: [32, 64, 8, 8], w: [64, 64, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], note: "mid block conv at 8²" },
  c64to32: { x: [32, 64, 16, 16], w: [32, 64, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], note: "decoder level-1 conv1 64→32" },
  down: { x: [32, 32, 32, 32], w: [32, 32, 3, 3], stride: [2, 2], padding: [0, 1, 0, 1], note: "Downsample: pad right/bottom 1, stride 2" },
  nin: { x: [32, 64, 16, 16], w: [32, 64, 1, 1], stride: [1, 1], padding: [0, 0, 0, 0], note: "1×1 nin_shortcut 64→32" },
  attn: { x: [32, 64, 8, 8], w: [64, 64, 1, 1], stride: [1, 1], padding: [0, 0, 0, 0], note: "mid-block attention's 1×1 q, k, v, proj_out (8 of these)" },
  in: { x: [32, 3, 32, 32], w: [32, 3, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], note: "conv_in 3→32" },
  out: { x: [32, 32, 32, 32], w: [3, 32, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], note: "decoder conv_out 32→3" },
};

const outSize = (c: Case): [number, number] => [
  Math.floor((c.x[2]! + c.padding[0]! + c.padding[1]! - c.w[2]!) / c.stride[0]!) + 1,
  Math.floor((c.x[3]! + c.padding[2]! + c.padding[3]! - c.w[3]!) / c.stride[1]!) + 1,
];

function opGraph(op: string, inputs: Record<string, number[]>, attrs: Attrs): Graph {
  const spec = Object.fromEntries(Object.entries(inputs).map(([k, s]) => [k, { dtype: "f32" as const, shape: s }]));
  return trace(op, spec, (t) => ({ y: new Tensor(apply(op, Object.keys(inputs).map((k) => t[k]!.node), attrs)) }));
}

function graphFor(op: Op, c: Case): Graph {
  const [ho, wo] = outSize(c);
  const g = [c.x[0]!, c.w[0]!, ho, wo];
  const at = { stride: c.stride, padding: c.padding };
  if (op === "fwd") return opGraph("conv2d", { x: c.x, w: c.w }, at);
  if (op === "dx") return opGraph("conv2d_grad_input", { g, w: c.w }, { ...at, input_shape: c.x.slice(2) });
  return opGraph("conv2d_grad_weight", { x: c.x, g }, { ...at, kernel: c.w.slice(2) });
}

const flops = (c: Case): number => {
  const [ho, wo] = outSize(c);
  return 2 * c.x[0]! * c.w[0]! * ho * wo * c.w[1]! * c.w[2]! * c.w[3]!;
};

function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) { s = (s * 1664525 + 1013904223) >>> 0; a[i] = s / 2 ** 32 - 0.5; }
  return a;
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

const args = process.argv.slice(2);
const caseNames = args.length ? args : Object.keys(CASES);
const ops = (process.env["OPS"]?.split(",") ?? ["fwd", "dx", "dw"]) as Op[];
const pick = process.env["VARIANTS"]?.split(",");
const reps = Number(process.env["REPS"] ?? 5);
const dev = await openDevice();
const caps = capsOf(dev);
console.log(`device: ${dev.description}; subgroups ${caps.subgroups} (${caps.minSubgroupSize}–${caps.maxSubgroupSize} lanes); load ${load()}`);

interface Run { label: string; flop: number; once: () => Promise<number>; ts: number[]; note: string }

/** Buffers for a lowered graph's materialized tensors, inputs filled from `rand`. */
async function place(part: Partition): Promise<{ bufs: Map<Node, DeviceBuffer>; data: Record<string, RefTensor> }> {
  const bufs = new Map<Node, DeviceBuffer>();
  const data: Record<string, RefTensor> = {};
  let seed = 1;
  for (const n of part.materialized) {
    const numel = concreteShape(n.shape).reduce((x, y) => x * y, 1);
    const buf = await dev.createBuffer(String(n), numel * 4);
    bufs.set(n, buf);
    if (n.op === "input") {
      const d = rand(numel, seed++);
      data[String(n.attrs["name"])] = { dtype: "f32", shape: concreteShape(n.shape), data: Float64Array.from(d) };
      dev.upload(buf, d);
    }
  }
  return { bufs, data };
}

/** Runs the launches (several for a strided dx: one per pixel class) in one submit. */
async function prepare(launches: Launch | Launch[], bufs: Map<Node, DeviceBuffer>, label: string): Promise<() => Promise<number>> {
  const ls = Array.isArray(launches) ? launches : [launches];
  const kernels = await Promise.all(ls.map((l) => dev.compile(l.kernel)));
  const bindings = ls.map((l) => {
    const r: Record<string, DeviceBuffer> = {};
    for (const t of l.tensors) r[t.binding] = bufs.get(t.node)!;
    return r;
  });
  const waits = new WaitHistory();
  return async () => {
    const s = performance.now();
    await quietly(async () => {
      const rec = dev.recorder();
      ls.forEach((l, k) => rec.dispatch(kernels[k]!, { grid: l.grid, bindings: bindings[k]!, params: l.params }));
      await rec.submit(label);
      await dev.sync();
    }, waits);
    return performance.now() - s;
  };
}

const runs: Run[] = [];
const freeLater: DeviceBuffer[] = [];

// The yardstick: the matmul builder's kernel at 1024³ (what `bench matmul` times).
{
  const n = 1024;
  const g = trace("mm", { a: { dtype: "f32", shape: [n, n] }, b: { dtype: "f32", shape: [n, n] } }, ({ a, b }) => ({ y: a!.matmul(b!) }));
  const low = lower(g, caps);
  const { bufs } = await place(low.partition);
  freeLater.push(...bufs.values());
  const once = await prepare(buildMatmul(low.partition.groups[0]!, caps, low.partition), bufs, "matmul");
  await once();
  runs.push({ label: "matmul 1024³", flop: 2 * n ** 3, once, ts: [], note: "" });
}

for (const name of caseNames) {
  const c = CASES[name];
  if (!c) throw new Error(`unknown case '${name}' (cases: ${Object.keys(CASES).join(", ")})`);
  for (const op of ops) {
    const graph = graphFor(op, c);
    const low = lower(graph, caps);
    const group = low.partition.groups[0]!;
    const { bufs, data } = await place(low.partition);
    freeLater.push(...bufs.values());
    const t0 = performance.now();
    const want = reference(graph, data, {})["y"]!;
    const refMs = performance.now() - t0;
    let scale = 1;
    for (const v of want.data) scale = Math.max(scale, Math.abs(v));
    const kTerms = op === "fwd" ? c.w[1]! * c.w[2]! * c.w[3]! : op === "dx" ? c.w[0]! * c.w[2]! * c.w[3]! : c.x[0]! * outSize(c)[0] * outSize(c)[1];
    const tol = 1e-4 * scale * Math.max(1, Math.sqrt(kTerms) / 8);
    for (const [vname, v] of Object.entries(VARIANTS[op])) {
      if (pick && !pick.includes(vname)) continue;
      const label = `${name} ${op} ${vname}`;
      const launch = v.build(group, caps, low.partition);
      const t1 = performance.now();
      const once = await prepare(launch, bufs, label);
      const out = bufs.get(group.root)!;
      dev.upload(out, new Float32Array(want.data.length)); // a stale result must not pass
      await once();
      const compileMs = performance.now() - t1;
      const got = new Float32Array(await dev.download(out));
      let err = 0;
      for (let i = 0; i < got.length; i++) {
        const d = Math.abs(got[i]! - want.data[i]!);
        if (!(d <= err)) err = Number.isNaN(d) ? Infinity : d;
      }
      if (!(err <= tol)) {
        console.log(`${label.padEnd(24)} WRONG: max err ${err.toExponential(2)} > ${tol.toExponential(2)}`);
        continue;
      }
      runs.push({ label, flop: flops(c), once, ts: [], note: `${v.what}; err ${err.toExponential(1)}; first ${compileMs.toFixed(0)} ms (reference ${refMs.toFixed(0)} ms)` });
    }
  }
}

console.log(`timing ${runs.length} kernels, ${reps} rounds; load ${load()}`);
for (const r of runs) await r.once(); // warm-up
for (let i = 0; i < reps; i++) {
  const order = i % 2 === 0 ? runs : [...runs].reverse();
  for (const r of order) r.ts.push(await r.once());
}
const mm = runs[0]!;
const mmRate = mm.flop / (median(mm.ts) * 1e6);
for (const r of runs) {
  const med = median(r.ts), best = Math.min(...r.ts);
  const rate = r.flop / (med * 1e6);
  console.log(`${r.label.padEnd(24)} median ${med.toFixed(1).padStart(7)} ms ${rate.toFixed(2).padStart(6)} GFLOP/s (${(rate / mmRate).toFixed(2)}× matmul), ` +
    `min ${best.toFixed(1)} ms${r.note ? `; ${r.note}` : ""}`);
}
console.log(`load after: ${load()}`);
for (const b of freeLater) dev.free(b);
dev.dispose();
