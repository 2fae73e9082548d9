// Does Dawn (the `webgpu` package) find a WebGPU adapter on this machine? Prints the adapter and
// exits 0, or says why not. Used by scripts/setup.sh to decide whether a Vulkan driver is needed.
//
// Exit codes: 0 adapter found and a device works, 2 no adapter, 3 dawn.node failed to load,
// 4 an adapter but no device, 1 anything else.

const EXIT_NO_ADAPTER = 2;
const EXIT_NO_DAWN = 3;
const EXIT_NO_DEVICE = 4;

process.env["XDG_RUNTIME_DIR"] ??= "/tmp"; // Dawn's Vulkan loader warns without it

let webgpu: typeof import("webgpu");
try {
  webgpu = await import("webgpu");
} catch (e) {
  console.error(`probe-adapter: cannot load the webgpu package (dawn.node): ${(e as Error).message}`);
  process.exit(EXIT_NO_DAWN);
}

// The create() result must stay strongly reachable until the process exits: if it is collected
// while Dawn still works (even on a destroyed device), dawn.node may crash (docs/architecture.md).
const gpu = webgpu.create([]);
(globalThis as { __showoGpu?: GPU }).__showoGpu = gpu;

const adapter = await gpu.requestAdapter();
if (!adapter) {
  console.error("probe-adapter: Dawn found no WebGPU adapter (no usable Vulkan driver)");
  process.exit(EXIT_NO_ADAPTER);
}
const info = adapter.info;
const description = `${info.description || info.device || "unnamed adapter"} (vendor ${info.vendor || "?"}, ${info.architecture || "?"})`;

let device: GPUDevice;
try {
  device = await adapter.requestDevice();
} catch (e) {
  console.error(`probe-adapter: adapter '${description}' but requestDevice failed: ${(e as Error).message}`);
  process.exit(EXIT_NO_DEVICE);
}
console.log(`WebGPU adapter: ${description}`);
device.destroy(); // with the device gone the process exits normally
