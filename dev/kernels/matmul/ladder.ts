// Matmul kernel ladder: variants of the matmul builder, each checked against a float64 JS
// reference (64 sampled outputs) before it is timed. The builder's defaults are the winner.
//
//   node dev/kernels/matmul/ladder.ts [case ...]      cases: 512, 1024, 512nt, gemv, 384x768x3072nt (MxKxN, nt = b transposed)
//   REPS=5 VARIANTS=v2,v3 node dev/kernels/matmul/ladder.ts 512
//
// Timing: one dispatch per submit, submit → onSubmittedWorkDone; REPS interleaved rounds after a
// warm-up; min and median reported.
//
// Measured on llvmpipe (Mesa 25.0.7, LLVM 15, 2 shared vCPUs, other work running; min of 7-9 rounds,
// GFLOP/s, numbers move ±30% between runs):
//   case    v1 scalar  v2 4×4 scalar  v3 4×4 vec4  v4 fma  v5 16×4 wg  v7 16×16 wg  v8 2×4  v9 tree
//   512³      1.4         3.1           7.2         6.4      7.4         6.1         5.6     6.8
//   512 NT    1.3         3.6           6.6         6.6      5.2         5.1         5.5     5.3
//   1024³     1.3         4.4           6.6          -       6.7          -           -      6.2
// v3 (the defaults) is the winner within the noise; the workgroup shape, fma and a tree sum make no
// reliable difference, smaller blocks lose. Design/environment.md's hand-written reg4x4vec4 got
// 3.9-8.2 at 512³ on the same machine type. The K loop's trip count is a uniform: as a constant,
// llvmpipe unrolled it and the first dispatch compiled 3-10× slower (seconds per kernel).

import { openDevice } from "../../../backends/wgsl/device.ts";
import type { DeviceBuffer } from "../../../backends/wgsl/device.ts";
import { trace } from "../../../compiler/dsl/trace.ts";
import type { Node } from "../../../compiler/ir/graph.ts";
import { concreteShape } from "../../../compiler/ir/types.ts";
import type { MatmulOptions } from "../../../compiler/kernels/builders/matmul.ts";
import { DEFAULT_MATMUL_OPTIONS, buildMatmul } from "../../../compiler/kernels/builders/matmul.ts";
import { capsOf, lower } from "../../../runtime/executable.ts";

const VARIANTS: Record<string, { what: string; opts: MatmulOptions }> = {
  v1: { what: "scalar, 1 output per invocation", opts: { block: [1, 1], vec4: false, workgroup: [8, 8], fma: false, vecStore: false, tree: false } },
  v2: { what: "register-blocked 4×4, scalar loads", opts: { block: [4, 4], vec4: false, workgroup: [8, 8], fma: false, vecStore: false, tree: false } },
  v3: { what: "register-blocked 4×4, vec4 loads and stores", opts: { block: [4, 4], vec4: true, workgroup: [8, 8], fma: false, vecStore: true, tree: false } },
  v4: { what: "v3 with fma()", opts: { block: [4, 4], vec4: true, workgroup: [8, 8], fma: true, vecStore: true, tree: false } },
  v5: { what: "v3 with a 16×4 workgroup", opts: { block: [4, 4], vec4: true, workgroup: [16, 4], fma: false, vecStore: true, tree: false } },
  v6: { what: "v3 with a 4×16 workgroup", opts: { block: [4, 4], vec4: true, workgroup: [4, 16], fma: false, vecStore: true, tree: false } },
  v7: { what: "v3 with a 16×16 workgroup", opts: { block: [4, 4], vec4: true, workgroup: [16, 16], fma: false, vecStore: true, tree: false } },
  v9: { what: "v3 with a tree sum per k-group", opts: { block: [4, 4], vec4: true, workgroup: [8, 8], fma: false, vecStore: true, tree: true } },
  v10: { what: "v9 with a 16×4 workgroup", opts: { block: [4, 4], vec4: true, workgroup: [16, 4], fma: false, vecStore: true, tree: true } },
  v8: { what: "register-blocked 2×4, vec4", opts: { block: [2, 4], vec4: true, workgroup: [8, 8], fma: false, vecStore: true, tree: false } },
};

interface Case { name: string; M: number; K: number; N: number; tb: boolean }
function parseCase(s: string): Case {
  if (s === "gemv") return { name: s, M: 1, K: 2048, N: 2048, tb: true };
  const tb = s.endsWith("nt");
  const dims = s.replace(/nt$/, "").split("x").map(Number);
  const [M, K, N] = dims.length === 1 ? [dims[0]!, dims[0]!, dims[0]!] : (dims as [number, number, number]);
  return { name: s, M, K, N, tb };
}

function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) { s = (s * 1664525 + 1013904223) >>> 0; a[i] = s / 2 ** 32 - 0.5; }
  return a;
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

const cases = (process.argv.slice(2).length ? process.argv.slice(2) : ["512", "512nt", "1024", "gemv"]).map(parseCase);
const pick = process.env["VARIANTS"]?.split(",");
const reps = Number(process.env["REPS"] ?? 5);
const dev = await openDevice();
const caps = capsOf(dev);
console.log(`device: ${dev.description}; default options ${JSON.stringify(DEFAULT_MATMUL_OPTIONS)}`);

for (const c of cases) {
  const { M, K, N, tb } = c;
  const g = trace("mm", { a: { dtype: "f32", shape: [M, K] }, b: { dtype: "f32", shape: tb ? [N, K] : [K, N] } },
    ({ a, b }) => ({ y: a!.matmul(b!, { transposeB: tb }) }));
  const low = lower(g, caps);
  const group = low.partition.groups[0]!;
  const data = new Map<Node, Float32Array>();
  const bufs = new Map<Node, DeviceBuffer>();
  for (const n of low.partition.materialized) {
    const numel = concreteShape(n.shape).reduce((x, y) => x * y, 1);
    const buf = await dev.createBuffer(String(n), numel * 4);
    bufs.set(n, buf);
    if (n.op === "input") {
      const d = rand(numel, n.attrs["name"] === "a" ? 1 : 2);
      data.set(n, d);
      dev.upload(buf, d);
    }
  }
  const [an, bn] = group.root.inputs as [Node, Node];
  const A = data.get(an)!, B = data.get(bn)!;
  const flop = 2 * M * N * K;
  // Check every variant, then time them in interleaved rounds (the machine is shared: the
  // minimum is the least disturbed number, the median the typical one).
  const runs: { name: string; what: string; once: () => Promise<number>; first: number; err: number; compileMs: number; ts: number[] }[] = [];
  for (const [name, v] of Object.entries(VARIANTS)) {
    if (pick && !pick.includes(name)) continue;
    const launch = buildMatmul(group, caps, low.partition, v.opts);
    const t0 = performance.now();
    const kernel = await dev.compile(launch.kernel);
    const compileMs = performance.now() - t0;
    const bindings: Record<string, DeviceBuffer> = {};
    for (const tb2 of launch.tensors) bindings[tb2.binding] = bufs.get(tb2.node)!;
    const once = async () => {
      const s = performance.now();
      await dev.recorder().dispatch(kernel, { grid: launch.grid, bindings, params: launch.params }).submit(name);
      await dev.sync();
      return performance.now() - s;
    };
    dev.upload(bufs.get(group.root)!, new Float32Array(M * N)); // a stale result must not pass the check
    const first = await once();
    const y = new Float32Array(await dev.download(bufs.get(group.root)!));
    let err = 0, scale = 1;
    for (let s = 0; s < 64; s++) {
      const i = (s * 7919) % M, j = (s * 104729) % N;
      let ref = 0;
      for (let k = 0; k < K; k++) ref += A[i * K + k]! * (tb ? B[j * K + k]! : B[k * N + j]!);
      err = Math.max(err, Math.abs(ref - y[i * N + j]!));
      scale = Math.max(scale, Math.abs(ref));
    }
    if (err > 1e-5 * scale * Math.sqrt(K)) {
      console.log(`${c.name.padEnd(14)} ${name} ${v.what.padEnd(44)}   WRONG: max err ${err.toExponential(1)}`);
      continue;
    }
    runs.push({ name, what: v.what, once, first, err, compileMs, ts: [] });
  }
  for (let r = 0; r < reps; r++) for (const x of runs) x.ts.push(await x.once());
  for (const x of runs) {
    const best = Math.min(...x.ts), med = median(x.ts);
    console.log(`${c.name.padEnd(14)} ${x.name} ${x.what.padEnd(44)} min ${best.toFixed(1).padStart(7)} ms ${(flop / (best * 1e6)).toFixed(2).padStart(5)} GFLOP/s, ` +
      `median ${(flop / (med * 1e6)).toFixed(2).padStart(5)}; max err ${x.err.toExponential(1)}; first ${x.first.toFixed(0)} ms, pipeline ${x.compileMs.toFixed(0)} ms`);
  }
  for (const b of bufs.values()) dev.free(b);
}
dev.dispose();
