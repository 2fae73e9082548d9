// What a storage load costs on this adapter, by how its address varies across a subgroup: raw
// WGSL probes, each 8 loads and 32 multiply-adds per loop trip, round-robin.
//
//   node dev/kernels/conv/probe-loads.ts [rounds]
//
// div     address differs per invocation (lane gather)
// wg      address the same for the workgroup (from workgroup_id), differing per trip
// loop    address from the loop counter only (uniform, but not "always uniform" to NIR)
// param   address from a uniform parameter and constants only
// bcast   one divergent load per lane, the 8 values shared by subgroupBroadcast
// vec4    2 divergent vec4 loads (8 floats)
// wgmem   8 loads from workgroup memory at a divergent address

import { loadavg } from "node:os";
import { openDevice } from "../../../backends/wgsl/device.ts";
import { WaitHistory, quietly } from "../../../backends/wgsl/quiet-wait.ts";

const N = 1 << 20; // floats in the source buffer
const WG = 64, GROUPS = 512, TRIPS = 256;

function kernel(kind: string): string {
  const vec = kind === "vec4";
  const head = [
    kind === "bcast" ? "enable subgroups;" : "",
    "struct Params { trips: u32, salt: u32, }",
    `@group(0) @binding(0) var<storage, read> a: array<${vec ? "vec4<f32>" : "f32"}>;`,
    "@group(0) @binding(1) var<storage, read_write> out: array<f32>;",
    "@group(0) @binding(2) var<uniform> params: Params;",
    kind === "wgmem" ? "var<workgroup> tile: array<f32, 1024>;" : "",
    `@compute @workgroup_size(${WG})`,
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32" +
      (kind === "bcast" ? ", @builtin(subgroup_invocation_id) sl: u32" : "") + ") {",
    "  var acc = vec4<f32>(0.0);",
  ];
  if (kind === "wgmem") head.push("  for (var i = li; i < 1024u; i += 64u) { tile[i] = a[i]; }", "  workgroupBarrier();");
  const body: string[] = [];
  const mask = N - 1, vmask = N / 4 - 1;
  const addr = (t: number) => {
    switch (kind) {
      case "div": return `(gid.x * 4099u + k * 8u + ${t}u) & ${mask}u`;
      case "wg": return `(wid.x * 4099u + k * 8u + ${t}u) & ${mask}u`;
      case "loop": return `(k * 8u + ${t}u) & ${mask}u`;
      case "param": return `(params.salt * 8u + ${t}u) & ${mask}u`;
      default: return "";
    }
  };
  body.push("  for (var k = 0u; k < params.trips; k++) {");
  if (kind === "bcast") {
    body.push(`    let mine = a[(gid.x * 4099u + k * 8u) & ${mask}u];`);
    for (let t = 0; t < 8; t++) body.push(`    let v${t} = subgroupBroadcast(mine, ${t}u);`);
  } else if (kind === "vec4") {
    body.push(`    let q0 = a[(gid.x * 1025u + k * 2u) & ${vmask}u];`, `    let q1 = a[(gid.x * 1025u + k * 2u + 1u) & ${vmask}u];`);
    for (let t = 0; t < 8; t++) body.push(`    let v${t} = q${t >> 2}[${t & 3}];`);
  } else if (kind === "wgmem") {
    for (let t = 0; t < 8; t++) body.push(`    let v${t} = tile[(li * 17u + k * 8u + ${t}u) & 1023u];`);
  } else {
    for (let t = 0; t < 8; t++) body.push(`    let v${t} = a[${addr(t)}];`);
  }
  // 32 multiply-adds on 4 lanes: 8 vec4 FMAs.
  for (let t = 0; t < 8; t++) body.push(`    acc = acc + v${t} * vec4<f32>(f32(k), 1.0, 2.0, 3.0);`);
  body.push("  }", "  out[gid.x] = acc.x + acc.y + acc.z + acc.w;", "}");
  return [...head, ...body].join("\n");
}

const rounds = Number(process.argv[2] ?? 7);
const dev = await openDevice();
console.log(`device: ${dev.description}; load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
const src = await dev.createBuffer("a", N * 4);
dev.upload(src, Float32Array.from({ length: N }, (_, i) => (i % 97) / 97));
const dst = await dev.createBuffer("out", WG * GROUPS * 4);
const kinds = ["div", "wg", "loop", "param", "bcast", "vec4", "wgmem"];
const runs: { kind: string; once: () => Promise<number>; ts: number[] }[] = [];
for (const kind of kinds) {
  const k = await dev.compileWgsl(kernel(kind), {
    name: kind, bindings: [{ name: "a", access: "read" }, { name: "out", access: "read_write" }],
    uniform: { fields: [{ name: "trips", type: "u32", offset: 0 }, { name: "salt", type: "u32", offset: 4 }], size: 16 }, logicalGrid: false,
  });
  const waits = new WaitHistory();
  const once = async () => {
    const s = performance.now();
    await quietly(async () => {
      await dev.recorder().dispatch(k, { grid: [GROUPS], bindings: { a: src, out: dst }, params: { trips: TRIPS, salt: 3 } }).submit(kind);
      await dev.sync();
    }, waits);
    return performance.now() - s;
  };
  await once();
  runs.push({ kind, once, ts: [] });
}
for (let r = 0; r < rounds; r++) for (const x of r % 2 ? [...runs].reverse() : runs) x.ts.push(await x.once());
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const base = med(runs[0]!.ts);
for (const x of runs) console.log(`${x.kind.padEnd(6)} median ${med(x.ts).toFixed(1).padStart(6)} ms (${(med(x.ts) / base).toFixed(2)}× div), min ${Math.min(...x.ts).toFixed(1)}`);
console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
dev.dispose();
