// What lowering needs to know about a target: binding limits, f16, subgroups. Both the WGSL and
// the CUDA device describe themselves with this, so kernel builders stay target-neutral.

import type { DType, Shape } from "../ir/types.ts";
import { concreteShape } from "../ir/types.ts";
import type { ElemType, ScalarType } from "./kernel-ir.ts";

export interface TargetCaps {
  readonly target: "wgsl" | "cuda";
  /** Largest storage binding in bytes (WebGPU maxStorageBufferBindingSize). */
  readonly maxBindingBytes: number;
  /** Storage bindings one kernel may use. */
  readonly maxStorageBindings: number;
  readonly maxWorkgroupStorageBytes: number;
  readonly maxInvocationsPerWorkgroup: number;
  readonly maxWorkgroupsPerDimension: number;
  /** Native f16 storage and arithmetic (WGSL `shader-f16`). */
  readonly f16: boolean;
  readonly subgroups: boolean;
  /**
   * The fewest lanes a subgroup may have on this device (absent: 4, WebGPU's guaranteed minimum).
   * Kernels that share values among a fixed number of lanes by subgroup broadcasts rely on it.
   */
  readonly minSubgroupSize?: number;
  /**
   * The most lanes a subgroup may have (absent: unknown). Where it equals minSubgroupSize every
   * subgroup has exactly that many lanes; kernels that give each subgroup its own work (and so
   * branch per subgroup around broadcasts) need that.
   */
  readonly maxSubgroupSize?: number;
}

/** WebGPU's default limits, for compiling without a device (e.g. `showo compile`). */
export const DEFAULT_WGSL_CAPS: TargetCaps = Object.freeze({
  target: "wgsl",
  maxBindingBytes: 128 * 2 ** 20,
  maxStorageBindings: 8,
  maxWorkgroupStorageBytes: 16384,
  maxInvocationsPerWorkgroup: 256,
  maxWorkgroupsPerDimension: 65535,
  f16: false,
  subgroups: false,
});

/**
 * How a dtype is held in device memory. bool is a u32; bf16 is a checkpoint format that the
 * devices widen to f32 on upload; f16 is native only where the target has it, else widened too.
 */
export function storageElem(dtype: DType, caps: TargetCaps): ElemType {
  switch (dtype) {
    case "f32": case "bf16": return "f32";
    case "f16": return caps.f16 ? "f16" : "f32";
    case "i32": return "i32";
    case "u32": case "bool": return "u32";
  }
}

/** The type kernels compute a dtype's values in. */
export function computeType(dtype: DType, caps: TargetCaps): ScalarType {
  if (dtype === "bool") return "bool";
  const e = storageElem(dtype, caps);
  return e;
}

export function elemBytes(e: ElemType): number {
  return e === "f16" ? 2 : 4;
}

/**
 * A tensor larger than one binding is split into shards of whole last-axis rows (principle 7):
 * shard k holds flat elements [k·perShard, (k+1)·perShard). Kernels pick the shard by index.
 */
export interface ShardPlan {
  readonly count: number;
  readonly elemsPerShard: number;
  readonly numel: number;
  readonly elem: ElemType;
}

export function shardPlan(dtype: DType, shape: Shape, caps: TargetCaps): ShardPlan {
  const s = concreteShape(shape, "tensor");
  const numel = s.reduce((a, b) => a * b, 1);
  const elem = storageElem(dtype, caps);
  const bytes = elemBytes(elem);
  const maxElems = Math.floor(caps.maxBindingBytes / bytes);
  if (numel <= maxElems) return { count: 1, elemsPerShard: Math.max(numel, 1), numel, elem };
  const row = s.length ? s[s.length - 1]! : 1;
  // Rows per shard, rounded down to a multiple of 64 rows so shard starts stay 256-byte aligned.
  let rows = Math.floor(maxElems / row);
  if (rows >= 64) rows -= rows % 64;
  if (rows < 1) throw new Error(`a row of ${row} elements (${row * bytes} bytes) does not fit one binding of ${caps.maxBindingBytes} bytes`);
  const perShard = rows * row;
  return { count: Math.ceil(numel / perShard), elemsPerShard: perShard, numel, elem };
}
