// matmul-variants: the matmul builder's knobs (MatmulOptions) timed against each other on one
// problem, to see which defaults to change. Ours only; no peer. Run directly:
//
//   node bench/matmul-variants.ts [n | MxNxK] [reps=5] [tb] [variant,variant,...]
//
// shapes: a f32[M, K] · b f32[K, N] → c f32[M, N] (M = N = K = n); with `tb`, a · bᵀ (b stored
// [N, K], the layout of Linear weights). The optional list picks variants by name (the default
// variant always runs, as the baseline). E.g. fc1 of the block bench: 256x1024x256 7 tb.
//
// Each variant is built by buildMatmul from the same fusion group, checked against the default
// variant's product (max |diff| ≤ 1e-4·max|c|), and timed as GPU time (submit →
// onSubmittedWorkDone) with inputs resident; variants run round-robin so load from other
// processes spreads over all of them.

import { fileURLToPath } from "node:url";
import { trace } from "../compiler/dsl/trace.ts";
import type { Node } from "../compiler/ir/graph.ts";
import type { MatmulOptions } from "../compiler/kernels/builders/matmul.ts";
import { DEFAULT_MATMUL_OPTIONS, buildMatmul } from "../compiler/kernels/builders/matmul.ts";
import type { CompiledKernel, DeviceBuffer } from "../backends/wgsl/device.ts";
import { capsOf, lower } from "../runtime/executable.ts";
import type { Log } from "./util.ts";
import { fmt, hostLoad, maxAbsDiff, median, openBenchGpu, uniformF32 } from "./util.ts";

export const VARIANTS: readonly { readonly name: string; readonly opts: Partial<MatmulOptions> }[] = [
  { name: "default", opts: {} },
  // Without subgroup-shared rows of a: the register-blocked kernel alone (4×4, 8×8 workgroup).
  { name: "no subgroups", opts: { subgroupRows: 0 } },
  { name: "sg rows 4", opts: { subgroupRows: 4 } },
  { name: "sg rows 12", opts: { subgroupRows: 12 } },
  { name: "sg rows 16", opts: { subgroupRows: 16 } },
  { name: "sg wg 32", opts: { workgroup: [32, 1] } },
  { name: "sg wg 128", opts: { workgroup: [128, 1] } },
  { name: "sg fma", opts: { fma: true } },
  // The knobs of the register-blocked kernel (measured before subgroup sharing; see BENCHMARKS.md).
  { name: "fma", opts: { subgroupRows: 0, fma: true } },
  { name: "wg 16x4", opts: { subgroupRows: 0, workgroup: [16, 4] } },
  { name: "wg 4x16", opts: { subgroupRows: 0, workgroup: [4, 16] } },
  { name: "wg 16x16", opts: { subgroupRows: 0, workgroup: [16, 16] } },
  { name: "wg 4x4", opts: { subgroupRows: 0, workgroup: [4, 4] } },
  { name: "block 2x4", opts: { subgroupRows: 0, block: [2, 4] } },
  { name: "block 4x2", opts: { subgroupRows: 0, block: [4, 2] } },
  { name: "scalar loads", opts: { subgroupRows: 0, vec4: false } },
  // Beyond the documented 4×4 limit: built where the layout allows (a stored [M, K]).
  { name: "block 8x4", opts: { subgroupRows: 0, block: [8, 4] } },
  { name: "wg 64x1", opts: { subgroupRows: 0, workgroup: [64, 1] } },
];

export async function runMatmulVariants(size: number | readonly [number, number, number], reps: number, transposeB = false, log: Log = console.log, only?: readonly string[]): Promise<void> {
  const [M, N, Kd] = typeof size === "number" ? [size, size, size] : size;
  const { device, name } = await openBenchGpu();
  try {
    log(`device: ${name}; ${hostLoad()}`);
    const graph = trace(`matmul_${M}x${N}x${Kd}`, { a: { dtype: "f32", shape: [M, Kd] }, b: { dtype: "f32", shape: transposeB ? [N, Kd] : [Kd, N] } }, ({ a, b }) => ({ c: a!.matmul(b!, { transposeB }) }));
    const caps = capsOf(device);
    const low = lower(graph, caps);
    const group = low.partition.groups.find((g) => g.kind === "matmul");
    if (!group) throw new Error("no matmul group in the lowered graph");
    const buffers = new Map<Node, DeviceBuffer>();
    const [aNode, bNode] = low.graph.inputs as [Node, Node];
    const cNode = low.graph.outputs[0]!.node;
    for (const [node, label, count] of [[aNode, "a", M * Kd], [bNode, "b", Kd * N], [cNode, "c", M * N]] as const) buffers.set(node, await device.createBuffer(label, count * 4));
    device.upload(buffers.get(aNode)!, uniformF32(M * Kd, 1));
    device.upload(buffers.get(bNode)!, uniformF32(Kd * N, 2));

    const built: { name: string; kernel: CompiledKernel; run: () => Promise<void>; samples: number[] }[] = [];
    let expected: Float32Array | undefined;
    for (const v of VARIANTS.filter((x, i) => i === 0 || !only || only.includes(x.name))) {
      let launch: ReturnType<typeof buildMatmul>, kernel: CompiledKernel;
      try {
        launch = buildMatmul(group, caps, low.partition, { ...DEFAULT_MATMUL_OPTIONS, ...v.opts });
        kernel = await device.compile(launch.kernel);
      } catch (e) {
        log(`  ${v.name}: not built (${(e as Error).message.split("\n")[0]})`);
        continue;
      }
      const bindings: Record<string, DeviceBuffer> = {};
      for (const tb of launch.tensors) bindings[tb.binding] = buffers.get(tb.node)!;
      const run = async () => {
        await device.recorder().dispatch(kernel, { grid: launch.grid, bindings, params: launch.params }).submit(v.name);
        await device.sync();
      };
      await run(); // pipeline creation and the first-dispatch JIT stay out of the timings
      const c = new Float32Array(await device.download(buffers.get(cNode)!));
      if (!expected) expected = c;
      const d = maxAbsDiff(c, expected);
      if (!(d.err <= 1e-4 * Math.max(1, d.scale))) throw new Error(`variant '${v.name}' disagrees with the default (max |diff| ${d.err})`);
      built.push({ name: v.name, kernel, run, samples: [] });
    }
    for (let r = 0; r < reps; r++) {
      // Rotate the starting variant each round.
      for (let i = 0; i < built.length; i++) {
        const v = built[(i + r) % built.length]!;
        const t0 = performance.now();
        await v.run();
        v.samples.push(performance.now() - t0);
      }
    }
    const base = median(built[0]!.samples);
    log(`matmul M=${M} N=${N} K=${Kd} f32${transposeB ? " (b transposed)" : ""}, GPU time, median of ${reps} (round-robin):`);
    for (const v of built) {
      const ms = median(v.samples);
      log(`  ${v.name.padEnd(14)} ${fmt(ms).padStart(7)} ms  ${fmt((2 * M * N * Kd) / (ms * 1e6)).padStart(5)} GFLOP/s  ×${(base / ms).toFixed(2)} vs default`);
    }
    log(`host after timing: ${hostLoad()}`);
    for (const b of buffers.values()) device.free(b);
  } finally {
    device.dispose();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // node bench/matmul-variants.ts [n | MxNxK] [reps] [tb] [variant,variant,...]
  const dims = (process.argv[2] ?? "1024").split("x").map(Number);
  const size = dims.length === 3 ? (dims as [number, number, number]) : dims[0]!;
  const only = process.argv[5]?.split(",");
  await runMatmulVariants(size, Number(process.argv[3] ?? 5), process.argv[4] === "tb", console.log, only);
}
