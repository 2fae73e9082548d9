// Prints the errors the device raises, to read them as a user would.
import { openDevice } from "../../backends/wgsl/device.ts";
import { vec4Kernel } from "../../tests/kernels/sample-kernels.ts";

const dev = await openDevice();
const src = "@group(0) @binding(0) var<storage, read_write> y: array<f32>;\n\n@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>) {\n  let i: u32 = gid.x;\n  let v: u32 = 1.5f;\n  y[i] = f32(v) + q;\n}\n";
await dev.compileWgsl(src, { name: "broken", bindings: [{ name: "y", access: "read_write" }], uniform: null, logicalGrid: false }).catch((e) => console.log(e.message, "\n"));
await dev.createBuffer("arena0", 5 * 2 ** 30).catch((e) => console.log(e.message, "\n"));
const small = await dev.createBuffer("small", 64), other = await dev.createBuffer("other", 64);
const vk = await dev.compile(vec4Kernel());
await dev.recorder().dispatch(vk, { grid: [1], bindings: { x: { buffer: small, size: 8 }, out: other }, params: { n4: 0, s: 1 } }).submit("tiny").catch((e) => console.log(e.message, "\n"));
dev.gpu.destroy();
await dev.gpu.lost;
await dev.download(small).catch((e) => console.log(e.message));
dev.dispose();
