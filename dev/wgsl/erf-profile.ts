// Error profile of the WGSL erf helper across [-6, 6] against float64 erf.
import { erf as erf64 } from "../../compiler/ir/ops/elementwise.ts";
import { openDevice } from "../../backends/wgsl/device.ts";
import { erfKernel } from "../../tests/kernels/sample-kernels.ts";

const dev = await openDevice();
const n = 200001;
const x = Float32Array.from({ length: n }, (_, i) => -6 + (12 * i) / (n - 1));
const bx = await dev.createBuffer("x", n * 4), by = await dev.createBuffer("y", n * 4);
dev.upload(bx, x);
await dev.run(erfKernel("f32"), { grid: [Math.ceil(n / 64)], bindings: { x: bx, y: by }, params: { n } });
const y = new Float32Array(await dev.download(by));
const bins = new Map<number, number>();
let worst = 0, at = 0;
for (let i = 0; i < n; i++) {
  const e = Math.abs(y[i]! - erf64(x[i]!));
  const b = Math.round(x[i]! * 2) / 2;
  bins.set(b, Math.max(bins.get(b) ?? 0, e));
  if (e > worst) { worst = e; at = x[i]!; }
}
console.log(`worst ${worst.toExponential(2)} at ${at}`);
console.log([...bins].map(([b, e]) => `${b}:${e.toExponential(1)}`).join(" "));
dev.dispose();
