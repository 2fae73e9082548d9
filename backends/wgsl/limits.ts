// WebGPU device limits as plain data, and the arithmetic the memory planner and the device do
// with them (binding sizes, alignment, row shards, kernel resource checks).
//
// A device only gets more than the spec defaults if it asks for them, so openDevice requests the
// adapter's value of every limit listed here (REQUESTED_LIMITS).

import type { Kernel } from "../../compiler/kernels/kernel-ir.ts";
import { byteSize, kernelFeatures, workgroupBytes } from "../../compiler/kernels/kernel-ir.ts";

export interface DeviceLimits {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
  readonly maxStorageBuffersPerShaderStage: number;
  readonly maxUniformBufferBindingSize: number;
  readonly maxUniformBuffersPerShaderStage: number;
  readonly minStorageBufferOffsetAlignment: number;
  readonly minUniformBufferOffsetAlignment: number;
  readonly maxBindGroups: number;
  readonly maxBindingsPerBindGroup: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxComputeWorkgroupSizeY: number;
  readonly maxComputeWorkgroupSizeZ: number;
  readonly maxComputeWorkgroupsPerDimension: number;
}

/** The WebGPU spec defaults: what a device gets without asking. */
export const DEFAULT_LIMITS: DeviceLimits = Object.freeze({
  maxBufferSize: 268435456,
  maxStorageBufferBindingSize: 134217728,
  maxStorageBuffersPerShaderStage: 8,
  maxUniformBufferBindingSize: 65536,
  maxUniformBuffersPerShaderStage: 12,
  minStorageBufferOffsetAlignment: 256,
  minUniformBufferOffsetAlignment: 256,
  maxBindGroups: 4,
  maxBindingsPerBindGroup: 1000,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupSizeZ: 64,
  maxComputeWorkgroupsPerDimension: 65535,
});

/** Every limit above; openDevice requests each at the adapter's value (for alignments that is the smallest). */
export const REQUESTED_LIMITS: readonly (keyof DeviceLimits)[] = Object.keys(DEFAULT_LIMITS) as (keyof DeviceLimits)[];

/** A snapshot of the limits we use from an adapter's or device's supported limits. */
export function limitsOf(supported: GPUSupportedLimits): DeviceLimits {
  const out: Record<string, number> = {};
  for (const k of REQUESTED_LIMITS) out[k] = Number(supported[k]);
  return Object.freeze(out as unknown as DeviceLimits);
}

/** Offsets the memory planner uses: 256 bytes, or more if a device demands it. */
export const PLAN_ALIGNMENT = 256;

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** Alignment of every tensor offset inside an arena, so any tensor can be bound by offset. */
export function bindingAlignment(l: DeviceLimits): number {
  return Math.max(PLAN_ALIGNMENT, l.minStorageBufferOffsetAlignment, l.minUniformBufferOffsetAlignment);
}

/** The largest storage binding, rounded down to the binding alignment. */
export function maxBindingBytes(l: DeviceLimits): number {
  const a = bindingAlignment(l);
  return Math.floor(Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize) / a) * a;
}

/**
 * The largest arena: one buffer every part of which can be bound at once, so no larger than one
 * binding (principle 7: an arena never exceeds maxStorageBufferBindingSize).
 */
export function maxArenaBytes(l: DeviceLimits): number {
  return maxBindingBytes(l);
}

export interface RowShard {
  /** First row of the shard. */
  readonly row: number;
  readonly rows: number;
  /** Bytes of the shard (rows × rowBytes). */
  readonly bytes: number;
}

/**
 * Splits a tensor of `rows` rows of `rowBytes` bytes into shards by rows so each fits one binding
 * (Show-o's 58,498 × 2,048 embedding is ~457 MiB in f32). Shards are equal but for the last.
 */
export function shardRows(rows: number, rowBytes: number, l: DeviceLimits): RowShard[] {
  const cap = maxBindingBytes(l);
  if (rowBytes > cap) throw new Error(`one row of ${rowBytes} bytes exceeds the largest binding (${cap} bytes)`);
  const perShard = Math.max(1, Math.floor(cap / rowBytes));
  const out: RowShard[] = [];
  for (let row = 0; row < rows; row += perShard) {
    const n = Math.min(perShard, rows - row);
    out.push({ row, rows: n, bytes: n * rowBytes });
  }
  return out;
}

/** What keeps a kernel from running on a device with these limits (empty when it fits). */
export function kernelLimitProblems(k: Kernel, l: DeviceLimits): string[] {
  const problems: string[] = [];
  const [x, y, z] = k.workgroupSize;
  if (x * y * z > l.maxComputeInvocationsPerWorkgroup) {
    problems.push(`workgroup ${x}x${y}x${z} has ${x * y * z} invocations, more than maxComputeInvocationsPerWorkgroup (${l.maxComputeInvocationsPerWorkgroup})`);
  }
  if (x > l.maxComputeWorkgroupSizeX || y > l.maxComputeWorkgroupSizeY || z > l.maxComputeWorkgroupSizeZ) {
    problems.push(`workgroup ${x}x${y}x${z} exceeds maxComputeWorkgroupSize (${l.maxComputeWorkgroupSizeX}, ${l.maxComputeWorkgroupSizeY}, ${l.maxComputeWorkgroupSizeZ})`);
  }
  const wg = workgroupBytes(k);
  if (wg > l.maxComputeWorkgroupStorageSize) {
    problems.push(`${wg} bytes of workgroup memory (${k.shared.map((a) => `${a.name}: ${a.length} × ${byteSize(a.type)} B`).join(", ")}) exceed maxComputeWorkgroupStorageSize (${l.maxComputeWorkgroupStorageSize})`);
  }
  if (k.bindings.length > l.maxStorageBuffersPerShaderStage) {
    problems.push(`${k.bindings.length} storage bindings exceed maxStorageBuffersPerShaderStage (${l.maxStorageBuffersPerShaderStage}); pack them`);
  }
  if (k.bindings.length + (kernelFeatures(k).logicalGrid || k.params.length > 0 ? 1 : 0) > l.maxBindingsPerBindGroup) {
    problems.push(`too many bindings for one bind group (maxBindingsPerBindGroup ${l.maxBindingsPerBindGroup})`);
  }
  return problems;
}
