// Limit arithmetic used by the device and, later, the memory planner. No device needed.

import assert from "node:assert/strict";
import { test } from "vitest";
import { DEFAULT_LIMITS, alignUp, bindingAlignment, kernelLimitProblems, maxBindingBytes, shardRows } from "../../backends/wgsl/limits.ts";
import { rowSumKernel, saxpyKernel } from "../kernels/sample-kernels.ts";

const llvmpipe = { ...DEFAULT_LIMITS, maxBufferSize: 2 ** 32 - 1, minStorageBufferOffsetAlignment: 16, minUniformBufferOffsetAlignment: 16, maxComputeWorkgroupStorageSize: 32768 };

test("alignment is at least 256 bytes", () => {
  assert.equal(bindingAlignment(DEFAULT_LIMITS), 256);
  assert.equal(bindingAlignment(llvmpipe), 256);
  assert.equal(bindingAlignment({ ...DEFAULT_LIMITS, minStorageBufferOffsetAlignment: 1024 }), 1024);
  assert.equal(alignUp(1, 256), 256);
  assert.equal(alignUp(512, 256), 512);
});

test("the largest binding is the smaller of the binding and buffer limits", () => {
  assert.equal(maxBindingBytes(DEFAULT_LIMITS), 128 * 2 ** 20);
  assert.equal(maxBindingBytes({ ...DEFAULT_LIMITS, maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 30 + 100 }), 2 ** 30);
});

test("Show-o's embedding is split by rows into bindings of at most 128 MiB", () => {
  const rows = 58498, rowBytes = 2048 * 4;
  const shards = shardRows(rows, rowBytes, DEFAULT_LIMITS);
  assert.deepEqual(shards.map((s) => s.rows), [16384, 16384, 16384, 9346]);
  assert.equal(shards.reduce((n, s) => n + s.rows, 0), rows);
  for (const s of shards) assert.ok(s.bytes <= maxBindingBytes(DEFAULT_LIMITS));
  assert.deepEqual(shardRows(10, 100, DEFAULT_LIMITS), [{ row: 0, rows: 10, bytes: 1000 }]);
  assert.throws(() => shardRows(2, 2 ** 28, DEFAULT_LIMITS), /one row of 268435456 bytes exceeds the largest binding/);
});

test("kernels that exceed a device's limits are named with the reason", () => {
  assert.deepEqual(kernelLimitProblems(saxpyKernel("f32"), DEFAULT_LIMITS), []);
  const wide = rowSumKernel("f32", 512);
  const problems = kernelLimitProblems(wide, DEFAULT_LIMITS);
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /512 invocations, more than maxComputeInvocationsPerWorkgroup \(256\)/);
  assert.match(problems[1]!, /exceeds maxComputeWorkgroupSize \(256, 256, 64\)/);
  assert.deepEqual(kernelLimitProblems(wide, { ...llvmpipe, maxComputeInvocationsPerWorkgroup: 1024, maxComputeWorkgroupSizeX: 1024 }), []);
  const roomy = { ...llvmpipe, maxComputeInvocationsPerWorkgroup: 16384, maxComputeWorkgroupSizeX: 16384 };
  assert.deepEqual(kernelLimitProblems(rowSumKernel("f32", 8192), roomy), [], "32 KiB of workgroup memory fits exactly");
  assert.deepEqual(kernelLimitProblems(rowSumKernel("f32", 16384), roomy),
    ["65536 bytes of workgroup memory (partial: 16384 × 4 B) exceed maxComputeWorkgroupStorageSize (32768)"]);
});
