// Dawn smoke test: the WebGPU adapter that set-up guarantees runs a WGSL compute shader and the
// result reads back correctly. No adapter is a failure, not a skip: scripts/setup.sh installs one.

import assert from "node:assert/strict";
import { test } from "vitest";
import { create, globals } from "webgpu";

Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, ... as in a browser

// The create() result must stay strongly reachable until the process exits, or dawn.node may crash
// when it is garbage-collected while Dawn still works (docs/architecture.md, "Dawn in Node").
const gpu = create([]);
(globalThis as { __showoGpu?: GPU }).__showoGpu = gpu;
const adapter = await gpu.requestAdapter();
const name = adapter ? adapter.info.description || adapter.info.device || adapter.info.vendor : "no adapter";

// y[i] = a * x[i] + b over n floats; one invocation per element, the last workgroup partly idle.
const SHADER = /* wgsl */ `
struct Params { a: f32, b: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  if (i < arrayLength(&y)) {
    y[i] = p.a * x[i] + p.b;
  }
}
`;

test(`Dawn computes y = a*x + b on ${name}`, async (t) => {
  assert.ok(adapter, "Dawn found no WebGPU adapter; run scripts/setup.sh (make test does) to install a Vulkan driver");
  await t.annotate(`adapter: ${name} (vendor ${adapter.info.vendor}, ${adapter.info.architecture})`);

  // Ask for the adapter's own limits: the defaults (128 MiB bindings, 256 MiB buffers) are lower.
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  try {
    assert.equal(device.limits.maxStorageBufferBindingSize, adapter.limits.maxStorageBufferBindingSize);
    assert.equal(device.limits.maxBufferSize, adapter.limits.maxBufferSize);

    const n = 1000;
    const x = new Float32Array(n).map(() => Math.random() * 2 - 1);
    const params = new Float32Array([Math.random() * 2 - 1, Math.random() * 2 - 1]); // a, b
    const [a, b] = [params[0]!, params[1]!];

    device.pushErrorScope("validation");
    const pipeline = device.createComputePipeline({
      layout: "auto",
      compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: "main" },
    });
    const uni = device.createBuffer({ size: params.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const xBuf = device.createBuffer({ size: x.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    const yBuf = device.createBuffer({ size: x.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const readBuf = device.createBuffer({ size: x.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(uni, 0, params);
    device.queue.writeBuffer(xBuf, 0, x);
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: uni } },
        { binding: 1, resource: { buffer: xBuf } },
        { binding: 2, resource: { buffer: yBuf } },
      ],
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    enc.copyBufferToBuffer(yBuf, 0, readBuf, 0, x.byteLength);
    device.queue.submit([enc.finish()]);
    const err = await device.popErrorScope();
    assert.equal(err, null, `WebGPU validation error: ${err?.message}`);

    await readBuf.mapAsync(GPUMapMode.READ);
    const y = new Float32Array(readBuf.getMappedRange().slice(0));
    readBuf.unmap();

    // Float64 reference on the same f32 inputs; two f32 roundings on |y| <= 2 stay below 1e-6.
    let maxErr = 0;
    for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(y[i]! - (a * x[i]! + b)));
    await t.annotate(`max abs error ${maxErr.toExponential(2)} over ${n} values`);
    assert.ok(maxErr <= 1e-6, `max abs error ${maxErr} > 1e-6`);
    assert.ok(y.some((v) => v !== 0), "the result is all zeros");
  } finally {
    device.destroy(); // lets the process exit; the create() result stays referenced
  }
});
