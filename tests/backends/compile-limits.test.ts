// Compiling for stated limits (backends/wgsl/compile-limits.ts, `showo compile --limits`): the
// portable limits are WebGPU's defaults with no optional features, and every registered model
// lowers under them to kernels that fit (at most 8 storage buffers, 16 KiB of workgroup memory,
// 256 invocations, no f16, no subgroups), at its registry sizes: showo-512's LM head writes
// f32[2, 1155, 58498] (five 128 MiB bindings) beside a weight of four, so its matmul is split by
// output rows. Codegen only: no device.

import assert from "node:assert/strict";
import { test } from "vitest";
import { PORTABLE_LIMITS, capsFromLimits, parseLimitsJson } from "../../backends/wgsl/compile-limits.ts";
import { DEFAULT_LIMITS, kernelLimitProblems } from "../../backends/wgsl/limits.ts";
import { printWgsl } from "../../backends/wgsl/print.ts";
import { kernelFeatures } from "../../compiler/kernels/kernel-ir.ts";
import { DEFAULT_WGSL_CAPS } from "../../compiler/kernels/target.ts";
import { MODELS } from "../../models/index.ts";
import { lower } from "../../runtime/executable.ts";

test("portable limits are the WebGPU defaults lowering uses without a device", () => {
  assert.deepEqual(capsFromLimits(PORTABLE_LIMITS), DEFAULT_WGSL_CAPS);
  assert.deepEqual(PORTABLE_LIMITS.features, []);
});

test("a limits file: limits over the defaults, kernel features kept, mistakes named", () => {
  const c = parseLimitsJson(JSON.stringify({ limits: { maxStorageBuffersPerShaderStage: 10 }, features: ["subgroups", "timestamp-query"], subgroupMinSize: 4, subgroupMaxSize: 4 }), "x.json");
  assert.equal(c.limits.maxStorageBuffersPerShaderStage, 10);
  assert.equal(c.limits.maxComputeWorkgroupStorageSize, DEFAULT_LIMITS.maxComputeWorkgroupStorageSize);
  assert.deepEqual(c.features, ["subgroups"]);
  const caps = capsFromLimits(c);
  assert.equal(caps.maxStorageBindings, 10);
  assert.equal(caps.subgroups, true);
  assert.equal(caps.minSubgroupSize, 4);
  assert.equal(caps.f16, false);
  assert.throws(() => parseLimitsJson("{", "x.json"), /x\.json: not JSON/);
  assert.throws(() => parseLimitsJson(JSON.stringify({ limits: { maxStorageBuffers: 9 } }), "x.json"), /unknown limit 'maxStorageBuffers' \(limits: maxBufferSize/);
  assert.throws(() => parseLimitsJson(JSON.stringify({ limits: { maxStorageBuffersPerShaderStage: -1 } }), "x.json"), /must be a positive integer/);
  assert.throws(() => parseLimitsJson(JSON.stringify({ feature: [] }), "x.json"), /unknown key 'feature'/);
  assert.throws(() => parseLimitsJson(JSON.stringify({ subgroupMinSize: 3 }), "x.json"), /power of two/);
});

test("every registered model lowers under portable limits to kernels that fit them", () => {
  const caps = capsFromLimits(PORTABLE_LIMITS);
  for (const [name, entry] of Object.entries(MODELS)) {
    const built = entry.build({});
    const c = lower(built.graph, caps, built.dims ? { dims: built.dims } : {});
    const seen = new Set<string>();
    for (const l of c.launches) {
      const problems = kernelLimitProblems(l.kernel, DEFAULT_LIMITS);
      assert.deepEqual(problems, [], `${name}: ${l.label}`);
      const f = kernelFeatures(l.kernel);
      assert.ok(!f.f16 && !f.subgroups, `${name}: ${l.label} uses ${f.f16 ? "f16" : "subgroups"}`);
      const text = printWgsl(l.kernel);
      if (seen.has(text)) continue;
      seen.add(text);
      assert.ok(!/enable (f16|subgroups)/.test(text), `${name}: ${l.kernel.name} enables an optional feature`);
    }
    for (const p of c.plan.placements) assert.ok(p.bytes <= DEFAULT_LIMITS.maxStorageBufferBindingSize, `${name}: ${p.label} shard ${p.shard}`);
  }
});
