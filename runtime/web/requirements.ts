// What a compiled package needs of a GPU, and the check of an adapter or device against it: every
// limit its kernels and buffers reach, and the optional features they use. A device only gets
// more than WebGPU's defaults when it asks, so requestDeviceFor asks for exactly these.

export interface Requirements {
  /** Limit name → the largest value the package uses. */
  readonly limits: Readonly<Record<string, number>>;
  readonly features: readonly string[];
}

/** What `target` lacks, one sentence per limit or feature (empty when it fits). */
export function missingFor(target: { readonly limits: GPUSupportedLimits; readonly features: GPUSupportedFeatures }, req: Requirements): string[] {
  const out: string[] = [];
  for (const [k, need] of Object.entries(req.limits)) {
    const have = (target.limits as unknown as Record<string, number | undefined>)[k];
    if (typeof have === "number" && have < need) out.push(`${k} is ${have}, the package needs ${need}`);
  }
  for (const f of req.features) if (!target.features.has(f)) out.push(`feature '${f}' is missing`);
  return out;
}

/** A device of `adapter` with the package's limits and features, or an error naming what is missing. */
export async function requestDeviceFor(adapter: GPUAdapter, req: Requirements): Promise<GPUDevice> {
  const missing = missingFor(adapter, req);
  if (missing.length > 0) throw new Error(`this adapter cannot run the package: ${missing.join("; ")}`);
  const requiredLimits: Record<string, number> = {};
  for (const [k, need] of Object.entries(req.limits)) if (need > 0) requiredLimits[k] = need;
  return adapter.requestDevice({ requiredFeatures: req.features as GPUFeatureName[], requiredLimits });
}
