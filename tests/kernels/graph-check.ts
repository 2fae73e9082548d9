// Running a traced graph on the WebGPU device and on the reference interpreter, and comparing
// them: the harness of the kernel-builder tests. One device is opened per test file; tests skip,
// with the reason, where no adapter is available.

import assert from "node:assert/strict";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import type { WgslDevice } from "../../backends/wgsl/device.ts";
import { openDevice } from "../../backends/wgsl/device.ts";
import { run as reference } from "../../backends/reference/interpreter.ts";
import { compile } from "../../runtime/executable.ts";

export interface DeviceHandle {
  readonly dev: WgslDevice | null;
  /** Why device tests are skipped ("" when there is a device). */
  readonly reason: string;
}

export async function openTestDevice(): Promise<DeviceHandle> {
  try {
    const dev = await openDevice();
    console.log(`# device: ${dev.description}; features: ${[...dev.features].sort().join(", ")}`);
    return { dev, reason: "" };
  } catch (e) {
    const reason = `no WebGPU device: ${(e as Error).message}`;
    console.log(`# skipping device tests: ${reason}`);
    return { dev: null, reason };
  }
}

export interface CheckOptions {
  readonly params?: Readonly<Record<string, RefTensor>>;
  /** Relative tolerance: max-abs error ≤ tol·max(1, max|ref|) per output (integer outputs are exact). */
  readonly tol?: number;
  /** Expected dispatches per run (default 1). */
  readonly dispatches?: number;
  /** Expected kernel name of the first launch (which kernel shape was chosen). */
  readonly kernel?: string;
  /** Printed with failures so a run can be repeated. */
  readonly seed: number;
}

/** Run `graph` on the device and on the reference; assert they agree. Returns the executable's launches' kernel names. */
export async function checkGraph(dev: WgslDevice, graph: Graph, inputs: Readonly<Record<string, RefTensor>>, opts: CheckOptions): Promise<string[]> {
  const exe = await compile(graph, { target: "wgsl", device: dev });
  try {
    const names = exe.compiled.launches.map((l) => l.kernel.name);
    assert.equal(exe.dispatchCount, opts.dispatches ?? 1, `dispatches: ${names.join(", ")}`);
    if (opts.kernel !== undefined) assert.equal(names[0], opts.kernel);
    if (opts.params) exe.setParams(opts.params);
    const got = await exe.run(inputs);
    const want = reference(graph, inputs, opts.params ?? {});
    for (const [name, w] of Object.entries(want)) {
      const g = got[name];
      assert.ok(g, `output '${name}' missing`);
      assert.deepEqual(g.shape, w.shape, `output '${name}' shape`);
      assert.equal(g.dtype, w.dtype, `output '${name}' dtype`);
      if (w.dtype === "i32" || w.dtype === "u32" || w.dtype === "bool") {
        for (let i = 0; i < w.data.length; i++) {
          if (g.data[i] !== w.data[i]) assert.fail(`${graph.name}/${name}[${i}] = ${g.data[i]}, want ${w.data[i]} (seed ${opts.seed})`);
        }
        continue;
      }
      let scale = 1, worst = 0, at = 0;
      for (let i = 0; i < w.data.length; i++) scale = Math.max(scale, Math.abs(w.data[i]!));
      for (let i = 0; i < w.data.length; i++) {
        const err = Math.abs(g.data[i]! - w.data[i]!);
        if (!(err <= worst)) { worst = err; at = i; }
      }
      const tol = (opts.tol ?? 1e-4) * scale;
      assert.ok(worst <= tol, `${graph.name}/${name}: max error ${worst} at ${at} (got ${g.data[at]}, want ${w.data[at]}) > ${tol} (seed ${opts.seed})`);
    }
    return names;
  } finally {
    exe.dispose();
  }
}
