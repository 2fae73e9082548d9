// Cost of recording and submitting many small dispatches in one run (bind groups cached after the
// first run). Usage: node dev/wgsl/recorder-bench.ts [dispatches=1000] [runs=5]
import { openDevice } from "../../backends/wgsl/device.ts";
import { saxpyKernel } from "../../tests/kernels/sample-kernels.ts";

const count = Number(process.argv[2] ?? 1000), runs = Number(process.argv[3] ?? 5);
const dev = await openDevice();
const k = await dev.compile(saxpyKernel("f32"));
const x = await dev.createBuffer("x", 256 * 4), y = await dev.createBuffer("y", 256 * 4);
dev.upload(x, new Float32Array(256).fill(1));
dev.upload(y, new Float32Array(256).fill(0));
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const rec = dev.recorder();
  for (let i = 0; i < count; i++) rec.dispatch(k, { grid: [4], bindings: { x, y }, params: { a: 1 / count, n: 256 } });
  const t1 = performance.now();
  await rec.submit();
  const t2 = performance.now();
  await dev.sync();
  const t3 = performance.now();
  console.log(`run ${r}: record ${(t1 - t0).toFixed(1)} ms, encode+submit ${(t2 - t1).toFixed(1)} ms, GPU wait ${(t3 - t2).toFixed(1)} ms; ${((t3 - t0) / count * 1000).toFixed(1)} µs/dispatch`);
}
const y0 = new Float32Array(await dev.download(y))[0]!;
console.log(`y[0] = ${y0.toFixed(4)} (want ${runs})`, dev.stats);
dev.dispose();
