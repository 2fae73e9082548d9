// Shared helpers for the WGSL backend's table-driven suites: one device per test file, graphs of a
// single op example, tolerances, and comparison of device results with the reference interpreter.
//
// Tolerances (max-norm, relative to the reference's largest magnitude, never below 1):
//   f32   max|got − ref| ≤ 1e-4 · max(1, max|ref|), except:
//         3e-4 for ops whose lowering chains exp/log/tanh (gelu, silu, log_softmax, cross_entropy,
//              pow, attention): WGSL allows exp and log errors of 3 + 2|x| ulp, and they compound;
//         1e-3 for sin, cos and rotary: WGSL promises sin and cos only to 2⁻¹¹ ≈ 4.9e-4 absolute
//              (inside [−π, π]), so a conforming GPU may be that far off. llvmpipe is far closer.
//   f16   2e-3 · max(1, max|ref|)                       (11-bit mantissa: ulp 2⁻¹⁰ ≈ 1e-3)
//   bf16  8e-3 · max(1, max|ref|)                       (8-bit mantissa: ulp 2⁻⁷ ≈ 8e-3)
//   i32, u32, bool: exactly.

import assert from "node:assert/strict";
import { apply, input } from "../../compiler/ir/build.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import type { Node } from "../../compiler/ir/graph.ts";
import type { OpDef, OpExample } from "../../compiler/ir/op.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import type { DType } from "../../compiler/ir/types.ts";
import type { WgslDevice } from "../../backends/wgsl/device.ts";
import type { OpenOptions } from "../../backends/wgsl/device.ts";
import { openDevice } from "../../backends/wgsl/device.ts";
import { run as runReference } from "../../backends/reference/interpreter.ts";
import { compile } from "../../runtime/executable.ts";
import type { Rng } from "../util/random.ts";
import { randomInputFor } from "../util/random.ts";

export type Values = Record<string, RefTensor>;

// ---------------------------------------------------------------------------------------------
// Device

/** Set to 1 to skip, rather than fail, the WebGPU device tests on a machine without an adapter. */
export const ALLOW_NO_ADAPTER = "SHOWO_ALLOW_NO_ADAPTER";

/**
 * The WebGPU device of a test file (opened with `options`), or why there is none. Without an
 * adapter the device tests fail with `fail` (the set-up step to take), unless
 * SHOWO_ALLOW_NO_ADAPTER=1 is set: then they skip with `skip`.
 */
export type TestDevice =
  | { readonly device: WgslDevice; readonly fail?: undefined; readonly skip?: undefined }
  | { readonly device: null; readonly fail: string; readonly skip?: undefined }
  | { readonly device: null; readonly fail?: undefined; readonly skip: string };

export async function openTestDeviceOrReason(options: OpenOptions = {}): Promise<TestDevice> {
  try {
    const device = await openDevice(options);
    console.log(`# device: ${device.description}; features: ${[...device.features].sort().join(", ") || "none"}`);
    return { device };
  } catch (e) {
    const why = (e as Error).message;
    if (process.env[ALLOW_NO_ADAPTER] === "1") {
      const skip = `cannot open a WebGPU device: ${why}; ${ALLOW_NO_ADAPTER}=1 is set, so the device tests are skipped`;
      console.log(`# ${skip}`);
      return { device: null, skip };
    }
    const fail = `cannot open a WebGPU device: ${why}. Run \`make test\` (scripts/setup.sh installs Mesa's Vulkan driver ` +
      `when run as root) or \`sudo scripts/install-mesa.sh\`; set ${ALLOW_NO_ADAPTER}=1 to skip the device tests instead`;
    console.log(`# ${fail}`);
    return { device: null, fail };
  }
}

/**
 * A device shared by a test file. Without an adapter every device test fails with the set-up step
 * to take (`skip` is undefined and `get()` throws it), or skips when SHOWO_ALLOW_NO_ADAPTER=1.
 */
export interface SharedDevice {
  readonly device: WgslDevice | null;
  /** Why the device tests skip (`if (dev.skip) t.skip(dev.skip)`): set only when there is no adapter and SHOWO_ALLOW_NO_ADAPTER=1. */
  readonly skip: string | undefined;
  get(): WgslDevice;
  dispose(): void;
}

export async function sharedDevice(): Promise<SharedDevice> {
  const opened = await openTestDeviceOrReason();
  let device = opened.device;
  const reason = opened.fail ?? opened.skip ?? "";
  return {
    get device() { return device; },
    skip: opened.skip,
    get(): WgslDevice {
      if (!device) throw new Error(reason || "the shared WebGPU device was disposed");
      return device;
    },
    dispose(): void {
      device?.dispose();
      device = null;
    },
  };
}

/** Compile `graph` for WGSL on `device`, run it once, free its buffers, return its outputs. */
export async function runWgsl(device: WgslDevice, graph: Graph, inputs: Values, params: Values = {}): Promise<{ outputs: Values; dispatches: number }> {
  const exe = await compile(graph, { target: "wgsl", device });
  try {
    if (graph.params.length > 0) exe.setParams(params);
    const outputs = await exe.run(inputs);
    return { outputs, dispatches: exe.dispatchCount };
  } finally {
    exe.dispose();
  }
}

/** True for errors that mean "this kind of kernel has no builder yet", not a wrong result. */
export function isMissingBuilder(e: unknown): boolean {
  return e instanceof Error && /no kernel builder for '[^']+' yet/.test(e.message);
}

// ---------------------------------------------------------------------------------------------
// Tolerances

/** Ops whose f32 lowering chains several exp/log/tanh (see the header). */
const TRANSCENDENTAL = new Set(["gelu", "silu", "log_softmax", "cross_entropy", "pow", "attention"]);
/** Ops computed with WGSL's sin and cos (see the header). */
const TRIGONOMETRIC = new Set(["sin", "cos", "rotary"]);

/** Relative max-norm tolerance for a result of `dtype` produced by op `op` (0 means exact). */
export function tolerance(dtype: DType, op = ""): number {
  switch (dtype) {
    case "i32": case "u32": case "bool": return 0;
    case "f16": return 2e-3;
    case "bf16": return 8e-3;
    case "f32": return TRIGONOMETRIC.has(op) ? 1e-3 : TRANSCENDENTAL.has(op) ? 3e-4 : 1e-4;
  }
}

export interface Mismatch {
  /** max|got − ref| */
  readonly maxAbs: number;
  /** max(1, max|ref|) */
  readonly scale: number;
  /** Flat index of the worst element. */
  readonly at: number;
  readonly got: number;
  readonly want: number;
}

/** The worst element of `got` against `want` (shapes and dtypes must already agree). */
export function worstError(got: RefTensor, want: RefTensor): Mismatch {
  let maxAbs = 0, maxRef = 0, at = 0;
  for (let i = 0; i < want.data.length; i++) {
    const w = want.data[i]!, g = got.data[i]!;
    maxRef = Math.max(maxRef, Math.abs(w));
    // A non-finite value on either side (that is not the same on both) is an infinite error.
    const d = w === g ? 0 : Number.isFinite(w) && Number.isFinite(g) ? Math.abs(g - w) : Infinity;
    if (d > maxAbs) {
      maxAbs = d;
      at = i;
    }
  }
  return { maxAbs, scale: Math.max(1, maxRef), at, got: got.data[at] ?? NaN, want: want.data[at] ?? NaN };
}

/** Assert that `got` matches `want` within `tol` (relative to max(1, max|ref|); 0: exactly). */
export function assertClose(got: RefTensor | undefined, want: RefTensor, tol: number, what: string): void {
  assert.ok(got, `${what}: missing from the device's outputs`);
  assert.equal(got.dtype, want.dtype, `${what}: dtype`);
  assert.deepEqual([...got.shape], [...want.shape], `${what}: shape`);
  const m = worstError(got, want);
  const limit = tol * m.scale;
  assert.ok(m.maxAbs <= limit,
    `${what}: max |wgsl − ref| = ${m.maxAbs.toExponential(3)} > ${limit.toExponential(3)} at flat index ${m.at} (wgsl ${m.got}, ref ${m.want})`);
}

/** Compare every output of the reference with the device's, each at the tolerance of its dtype. */
export function assertOutputsClose(got: Values, want: Values, tolFor: (name: string, dtype: DType) => number, what: string): void {
  for (const [name, w] of Object.entries(want)) assertClose(got[name], w, tolFor(name, w.dtype), `${what}: output '${name}'`);
}

// ---------------------------------------------------------------------------------------------
// Op examples as graphs

export interface ExampleGraph {
  readonly graph: Graph;
  readonly inputs: readonly Node[];
  readonly out: Node;
}

/** inputs x0…xn → op → output "out". */
export function exampleGraph(def: OpDef, ex: OpExample): ExampleGraph {
  const inputs = ex.inputs.map((x, i) => input(`x${i}`, x.dtype, x.shape));
  const out = apply(def.name, inputs, ex.attrs);
  return { graph: new Graph(`${def.name}_example`, inputs, [], [{ name: "out", node: out }]), inputs, out };
}

/** Fresh random values for an example's inputs, named x0…xn. */
export function exampleInputs(ex: OpExample, rng: Rng): Values {
  return Object.fromEntries(ex.inputs.map((x, i) => [`x${i}`, randomInputFor(x, rng)]));
}

export function exampleLabel(def: OpDef, ex: OpExample, k: number): string {
  return `${def.name}#${k}${ex.note ? ` (${ex.note})` : ""}`;
}

/** The reference interpreter's outputs for `graph`. */
export function reference(graph: Graph, inputs: Values, params: Values = {}): Values {
  return runReference(graph, inputs, params);
}
