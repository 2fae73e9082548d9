// Running a traced graph on the WebGPU device and on the reference interpreter, and comparing
// them: the harness of the kernel-builder tests. One device is opened per test file; without an
// adapter the device tests fail with the set-up step to take (skip with SHOWO_ALLOW_NO_ADAPTER=1).

import assert from "node:assert/strict";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import type { WgslDevice } from "../../backends/wgsl/device.ts";
import { run as reference } from "../../backends/reference/interpreter.ts";
import { compile } from "../../runtime/executable.ts";
import { openTestDeviceOrReason } from "../backends/util.ts";

export interface DeviceHandle {
  /**
   * The device; null only when the tests skip. Without an adapter (and SHOWO_ALLOW_NO_ADAPTER
   * unset) a stand-in whose every use throws the set-up step to take, so each device test fails.
   */
  readonly dev: WgslDevice | null;
  /** Why device tests are skipped: "" unless there is no adapter and SHOWO_ALLOW_NO_ADAPTER=1. */
  readonly reason: string;
}

export async function openTestDevice(): Promise<DeviceHandle> {
  const opened = await openTestDeviceOrReason();
  if (opened.device) return { dev: opened.device, reason: "" };
  if (opened.skip !== undefined) return { dev: null, reason: opened.skip };
  return { dev: failingDevice(opened.fail), reason: "" };
}

/**
 * A WgslDevice stand-in that throws `message` on any use, except dispose() (a no-op) and
 * `features.has()` (true, so the tests that a missing feature would skip run, and fail, too).
 */
function failingDevice(message: string): WgslDevice {
  const fail = (): never => { throw new Error(message); };
  return new Proxy({}, {
    get: (_target, key) =>
      key === "dispose" ? () => {} : key === "features" ? { has: () => true } : key === "then" ? undefined : fail(),
    has: fail, ownKeys: fail, getPrototypeOf: fail, set: fail,
  }) as WgslDevice;
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
