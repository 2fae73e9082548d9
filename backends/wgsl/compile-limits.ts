// What a WGSL compilation is for: WebGPU limits and optional features, stated without a device.
//
//   portable  the WebGPU spec defaults and no optional features: what every adapter grants a
//             device that asks for nothing, so kernels compiled for it run anywhere
//   device    the local adapter's limits and features (openDevice requests them all)
//   FILE      a JSON file: { "limits": { maxStorageBuffersPerShaderStage: 10, ... },
//             "features": ["subgroups"], "subgroupMinSize": 4, "subgroupMaxSize": 4 }; limits left
//             out take the spec defaults, features left out are absent
//
// Lowering sees these only as TargetCaps (capsFromLimits), the same way it sees an open device.

import type { TargetCaps } from "../../compiler/kernels/target.ts";
import type { DeviceLimits } from "./limits.ts";
import { DEFAULT_LIMITS } from "./limits.ts";

/** The optional WebGPU features kernels may use. */
export const KERNEL_FEATURES = ["shader-f16", "subgroups"] as const;
export type KernelFeature = (typeof KERNEL_FEATURES)[number];

export interface CompileLimits {
  /** Where they came from, for summaries ("portable", "device llvmpipe …", a file name). */
  readonly source: string;
  readonly limits: DeviceLimits;
  /** Optional features kernels may use (a subset of KERNEL_FEATURES). */
  readonly features: readonly KernelFeature[];
  /** With subgroups: the fewest and most lanes a subgroup may have. */
  readonly subgroupMinSize?: number;
  readonly subgroupMaxSize?: number;
}

/** The WebGPU defaults, no optional features: runs on any adapter. */
export const PORTABLE_LIMITS: CompileLimits = Object.freeze({ source: "portable", limits: DEFAULT_LIMITS, features: [] });

/** Lowering's view of stated limits. */
export function capsFromLimits(c: CompileLimits): TargetCaps {
  const l = c.limits;
  const subgroups = c.features.includes("subgroups");
  return {
    target: "wgsl",
    maxBindingBytes: l.maxStorageBufferBindingSize,
    maxStorageBindings: l.maxStorageBuffersPerShaderStage,
    maxWorkgroupStorageBytes: l.maxComputeWorkgroupStorageSize,
    maxInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    f16: c.features.includes("shader-f16"),
    subgroups,
    ...(subgroups && c.subgroupMinSize !== undefined ? { minSubgroupSize: c.subgroupMinSize } : {}),
    ...(subgroups && c.subgroupMaxSize !== undefined ? { maxSubgroupSize: c.subgroupMaxSize } : {}),
  };
}

/** The limits and kernel features of an open device (its adapter's, as openDevice requests them). */
export function deviceLimits(device: { readonly limits: DeviceLimits; readonly features: ReadonlySet<string>; readonly description: string; readonly adapter: { readonly subgroupMinSize?: number; readonly subgroupMaxSize?: number } }): CompileLimits {
  return {
    source: `device ${device.description}`,
    limits: device.limits,
    features: KERNEL_FEATURES.filter((f) => device.features.has(f)),
    ...(device.adapter.subgroupMinSize !== undefined ? { subgroupMinSize: device.adapter.subgroupMinSize } : {}),
    ...(device.adapter.subgroupMaxSize !== undefined ? { subgroupMaxSize: device.adapter.subgroupMaxSize } : {}),
  };
}

const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as (keyof DeviceLimits)[];
const TOP_KEYS = ["limits", "features", "subgroupMinSize", "subgroupMaxSize"];

/** Limits from the JSON text of a file (`where` names it in errors). */
export function parseLimitsJson(text: string, where: string): CompileLimits {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error(`${where}: expected an object { "limits": {...}, "features": [...] }`);
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!TOP_KEYS.includes(k)) throw new Error(`${where}: unknown key '${k}' (keys: ${TOP_KEYS.join(", ")})`);
  }
  const limits: Record<string, number> = { ...DEFAULT_LIMITS };
  if (o["limits"] !== undefined) {
    if (typeof o["limits"] !== "object" || o["limits"] === null || Array.isArray(o["limits"])) throw new Error(`${where}: "limits" must be an object of limit → number`);
    for (const [k, v] of Object.entries(o["limits"] as Record<string, unknown>)) {
      if (!(LIMIT_NAMES as string[]).includes(k)) throw new Error(`${where}: unknown limit '${k}' (limits: ${LIMIT_NAMES.join(", ")})`);
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw new Error(`${where}: limit ${k} must be a positive integer, got ${JSON.stringify(v)}`);
      limits[k] = v;
    }
  }
  const features: KernelFeature[] = [];
  if (o["features"] !== undefined) {
    if (!Array.isArray(o["features"]) || o["features"].some((f) => typeof f !== "string")) throw new Error(`${where}: "features" must be an array of feature names`);
    // Other WebGPU features are allowed (an adapter's list pasted in) but no kernel uses them.
    for (const f of o["features"] as string[]) if ((KERNEL_FEATURES as readonly string[]).includes(f)) features.push(f as KernelFeature);
  }
  const size = (k: string): number | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || (v & (v - 1)) !== 0) throw new Error(`${where}: ${k} must be a power of two, got ${JSON.stringify(v)}`);
    return v;
  };
  const min = size("subgroupMinSize"), max = size("subgroupMaxSize");
  if (min !== undefined && max !== undefined && min > max) throw new Error(`${where}: subgroupMinSize ${min} exceeds subgroupMaxSize ${max}`);
  return { source: where, limits: Object.freeze(limits as unknown as DeviceLimits), features, ...(min !== undefined ? { subgroupMinSize: min } : {}), ...(max !== undefined ? { subgroupMaxSize: max } : {}) };
}

/** One line for summaries: the limits that shape kernels, and the features. */
export function describeLimits(c: CompileLimits): string {
  const l = c.limits;
  const mib = (n: number) => `${+(n / 2 ** 20).toFixed(1)} MiB`;
  const sg = c.features.includes("subgroups") && c.subgroupMinSize !== undefined ? ` (${c.subgroupMinSize}–${c.subgroupMaxSize ?? "?"} lanes)` : "";
  return `${c.source}: ${l.maxStorageBuffersPerShaderStage} storage buffers per stage, ${mib(l.maxStorageBufferBindingSize)} per binding, ` +
    `${l.maxComputeWorkgroupStorageSize} B workgroup memory, ${l.maxComputeInvocationsPerWorkgroup} invocations; ` +
    `features: ${c.features.length ? c.features.join(", ") + sg : "none"}`;
}
