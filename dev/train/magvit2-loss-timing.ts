// Timing aid: MAGVIT-v2's training objective (models/magvit2-loss.ts) on WGSL, forward alone and
// forward + backward (grad of `loss` with respect to every parameter), weights from initParams.
//
//   node dev/train/magvit2-loss-timing.ts [config=magvit2-tiny] [batch=8] [resolution=32] [reps=5] [profile]
//
// Reports per graph: lowering and compile time, kernels and dispatches per run, and the median
// wall time of `exe.run(images)` (upload of the images, every launch, one submit, read-back of all
// outputs: for the backward graph that is every gradient) after one untimed run. The first run
// is reported apart: on llvmpipe it includes compiling shaders the disk cache has not seen.
// `profile` adds the launches that take longest, each timed alone (one submit, waited for).

import { initTensor, uniform } from "../../compiler/dsl/init.ts";
import { initParams } from "../../compiler/dsl/nn.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { grad } from "../../compiler/passes/autodiff.ts";
import { Magvit2, getMagvit2Config } from "../../models/magvit2.ts";
import { magvit2LossGraph } from "../../models/magvit2-loss.ts";
import { openDevice } from "../../backends/wgsl/device.ts";
import { compile } from "../../runtime/executable.ts";
import { LaunchRunner } from "../../bench/launches.ts";

const [cfgName = "magvit2-tiny", b = "8", r = "32", n = "5", profile] = process.argv.slice(2);
const cfg = getMagvit2Config(cfgName);
const [batch, resolution, reps] = [Number(b), Number(r), Number(n)];
const model = new Magvit2(cfg);
const params = initParams(model, 1);
const images = initTensor("f32", [batch, cfg.inChannels, resolution, resolution], uniform(-1, 1), 2);
const device = await openDevice();
console.log(`# ${device.description}; ${cfg.name}, batch ${batch}, ${resolution}×${resolution}, median of ${reps}`);

const forward = magvit2LossGraph(cfg, { batch, resolution }, model);
const graphs: [string, Graph][] = [["forward", forward], ["forward+backward", grad(forward, { loss: "loss" })]];
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
try {
  for (const [what, g] of graphs) {
    const exe = await compile(g, { target: "wgsl", device });
    try {
      exe.setParams(params);
      const s = exe.summary();
      const t1 = performance.now();
      const first = await exe.run({ images });
      const firstMs = performance.now() - t1;
      const times: number[] = [];
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        await exe.run({ images });
        times.push(performance.now() - t0);
      }
      console.log(`${what}: ${median(times).toFixed(1)} ms per run (min ${Math.min(...times).toFixed(1)}); `
        + `${g.nodes().length} nodes, ${s.kernels} kernels, ${s.dispatchesPerRun} dispatches, peak ${(s.peakBytes / 2 ** 20).toFixed(1)} MiB; `
        + `lower ${exe.compiled.lowerMs.toFixed(0)} ms, compile ${s.compileMs.toFixed(0)} ms, first run ${firstMs.toFixed(0)} ms; loss ${first["loss"]!.data[0]!.toFixed(6)}`);
      if (profile === "profile") {
        const runner = await LaunchRunner.create(exe, { images }, params);
        const each: [number, string][] = [];
        for (let k = 0; k < exe.compiled.launches.length; k++) {
          const t0 = performance.now();
          await runner.dispatchOne(k);
          each.push([performance.now() - t0, `#${k} ${exe.compiled.launches[k]!.label} grid ${JSON.stringify(exe.compiled.launches[k]!.grid)}`]);
        }
        each.sort((p, q) => q[0] - p[0]);
        const sum = each.reduce((a, [t]) => a + t, 0);
        console.log(`  launches alone: ${sum.toFixed(0)} ms in all; the slowest:`);
        for (const [t, l] of each.slice(0, 15)) console.log(`  ${t.toFixed(1).padStart(8)} ms  ${l}`);
        const share = (re: RegExp) => each.filter(([, l]) => re.test(l)).reduce((a, [t]) => a + t, 0);
        console.log(`  by kind: conv2d* ${share(/ conv2d/).toFixed(0)} ms, the entropy's [n, 2^k] launches ${share(new RegExp(`${2 ** cfg.zChannels}\\]`)).toFixed(0)} ms, the rest ${(sum - share(/ conv2d/) - share(new RegExp(`${2 ** cfg.zChannels}\\]`))).toFixed(0)} ms`);
      }
    } finally {
      exe.dispose();
    }
  }
} finally {
  device.dispose();
}
