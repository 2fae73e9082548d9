// The Kernel IR and its builder: type checks, names, the uniform layout, features, grid folding.
// No device needed.

import assert from "node:assert/strict";
import { test } from "vitest";
import {
  KernelBuilder, KernelIRError, add, bitcast, builtin, cast, erf, f16, f32, fma, ge, i32, lane, linearWorkgroupId, load,
  lt, mul, neg, select, shl, subgroupBroadcast, u32, vec,
} from "../../compiler/kernels/build-kernel.ts";
import { foldGrid, kernelFeatures, kernelInterface, uniformLayout, workgroupBytes } from "../../compiler/kernels/kernel-ir.ts";
import { rng } from "./random.ts";
import { rowSumKernel, saxpyKernel, subgroupSumKernel, vec4Kernel } from "./sample-kernels.ts";

const irError = (re: RegExp) => (e: unknown) => e instanceof KernelIRError && re.test(e.message);

test("expressions carry types and reject mismatches", () => {
  const kb = new KernelBuilder("t", { doc: "types", workgroupSize: [64] });
  const x = kb.storage("x", "f32", "read");
  const n = kb.param("n", "u32");
  const i = builtin("global_invocation_id", 0);
  assert.equal(add(i, 1).type, "u32");
  assert.equal(mul(load(x, i), 2).type, "f32");
  assert.equal(ge(i, n).type, "bool");
  assert.equal(fma(load(x, i), 2, 1).type, "f32");
  assert.equal(mul(vec("vec4<f32>", 1, 2, 3, 4), f32(2)).type, "vec4<f32>", "vector times scalar");
  assert.equal(lane(vec("vec2<f16>", f16(1)), 1).type, "f16");
  assert.equal(bitcast("u32", f32(1)).type, "u32");
  assert.equal(bitcast("u32", vec("vec2<f16>", f16(1), f16(2))).type, "u32");
  assert.equal(cast("f32", i).type, "f32");
  assert.equal(select(lt(i, n), f32(1), 0).type, "f32");

  assert.throws(() => add(load(x, i), i), irError(/add: operands f32 and u32 do not match/));
  assert.throws(() => add(1, 2), irError(/at least one operand must be an expression/));
  assert.throws(() => lt(vec("vec4<f32>", f32(1)), f32(1)), irError(/needs two scalars of one type/));
  assert.throws(() => neg(i), irError(/neg: needs f32, f16 or i32, got u32/));
  assert.throws(() => erf(i), irError(/erf: needs a float/));
  assert.throws(() => erf(vec("vec4<f32>", f32(1))), irError(/erf: takes a scalar/));
  assert.throws(() => shl(i, f32(1)), irError(/shift amount must be u32/));
  assert.throws(() => bitcast("f16", f32(1)), irError(/differ in size/));
  assert.throws(() => cast("vec4<f32>", f32(1)), irError(/changes the lane count/));
  assert.throws(() => vec("vec4<f32>", f32(1), f32(2)), irError(/needs 1 or 4 parts/));
  assert.throws(() => lane(vec("vec2<f32>", f32(1)), 2), irError(/has no lane 2/));
  assert.throws(() => load(x, f32(0)), irError(/index into 'x' must be u32 or i32/));
  assert.throws(() => subgroupBroadcast(f32(1), -1), irError(/not a u32/));
});

test("constants are finite and in range for their type", () => {
  assert.throws(() => f32(Infinity), irError(/non-finite constant/));
  assert.throws(() => f32(Number.NaN), irError(/non-finite constant/));
  assert.throws(() => f16(70000), irError(/overflows f16/));
  assert.throws(() => u32(-1), irError(/-1 is not a u32/));
  assert.throws(() => i32(2 ** 31), irError(/is not a i32/));
  assert.throws(() => u32(1.5), irError(/is not a u32/));
  assert.deepEqual(f32(0.1), { kind: "const", type: "f32", value: Math.fround(0.1) });
  assert.deepEqual(f32(-0), { kind: "const", type: "f32", value: 0 });
});

test("statements check their targets, loops and names", () => {
  const kb = new KernelBuilder("s", { doc: "statements", workgroupSize: [64] });
  const x = kb.storage("x", "f32", "read"), y = kb.storage("y", "f32", "read_write");
  const b = kb.body;
  const i = b.let("i", builtin("global_invocation_id", 0));
  const again = b.let("i", add(i, 1));
  assert.deepEqual([i.kind === "local" && i.name, again.kind === "local" && again.name], ["i", "i_1"], "fresh names");
  assert.throws(() => b.store(x, i, f32(1)), irError(/store to read-only binding 'x'/));
  assert.throws(() => b.store(y, i, u32(1)), irError(/u32 where f32 is expected/));
  assert.throws(() => b.assign(i, 1), irError(/the target must be a var/));
  assert.throws(() => b.break(), irError(/break outside a loop/));
  assert.throws(() => b.if(i, () => {}), irError(/condition must be bool/));
  assert.throws(() => b.for("k", 0, 10, () => {}, 0), irError(/at least one operand|step must be positive/));
  assert.throws(() => b.for("k", u32(0), u32(10), () => {}, 0), irError(/step must be positive/));
  b.for("k", u32(0), u32(10), (l) => { l.if(ge(i, 3), (t) => t.break()); });
  assert.throws(() => kb.storage("y", "f32", "read"), irError(/'y' is already used/));
  assert.throws(() => kb.storage("params", "f32", "read"), irError(/'params' is reserved/));
  assert.throws(() => kb.param("grid_x", "u32"), irError(/reserved/));
  assert.throws(() => kb.sharedArray("tile", "f32", 0), irError(/length must be a positive integer/));
  assert.throws(() => kb.sharedArray("tile", "vec3<f32>", 4), irError(/3-lane vectors/));
  assert.throws(() => new KernelBuilder("bad name", { doc: "", workgroupSize: [1] }), irError(/not an identifier/));
  assert.throws(() => new KernelBuilder("k", { doc: "", workgroupSize: [0] }), irError(/bad workgroup size/));
  const k = kb.build();
  assert.ok(Object.isFrozen(k) && Object.isFrozen(k.body));
});

test("the uniform layout packs parameters in order, then the grid fields", () => {
  assert.deepEqual(uniformLayout(saxpyKernel("f32")), {
    fields: [{ name: "a", type: "f32", offset: 0 }, { name: "n", type: "u32", offset: 4 }], size: 16,
  });
  assert.deepEqual(uniformLayout(rowSumKernel("f32"))?.fields.map((f) => `${f.name}@${f.offset}`), ["cols@0", "grid_x@4", "grid_fold_x@8"]);
  assert.equal(uniformLayout(subgroupSumKernel("f32")), null);
  const kb = new KernelBuilder("many", { doc: "", workgroupSize: [1] });
  for (let p = 0; p < 5; p++) kb.param(`p${p}`, "i32");
  assert.equal(uniformLayout(kb.build())?.size, 32);
});

test("features and resources are read off the kernel", () => {
  assert.deepEqual(kernelFeatures(saxpyKernel("f32")), { f16: false, subgroups: false, logicalGrid: false, erf: false });
  assert.equal(kernelFeatures(saxpyKernel("f16")).f16, true);
  assert.equal(kernelFeatures(subgroupSumKernel("f32")).subgroups, true);
  assert.equal(kernelFeatures(rowSumKernel("f32")).logicalGrid, true);
  assert.equal(workgroupBytes(rowSumKernel("f32", 128)), 512);
  assert.deepEqual(kernelInterface(vec4Kernel()).bindings, [{ name: "x", access: "read" }, { name: "out", access: "read_write" }]);
  // f16 reached only through a local still counts.
  const kb = new KernelBuilder("local_f16", { doc: "", workgroupSize: [1] });
  const o = kb.storage("o", "f32", "read_write");
  const h = kb.body.let("h", cast("f16", linearWorkgroupId()));
  kb.body.store(o, 0, cast("f32", h));
  assert.equal(kernelFeatures(kb.build()).f16, true);
});

test("foldGrid: fixed cases", () => {
  assert.deepEqual(foldGrid([1000], true), { workgroups: [1000, 1, 1], gridX: 1000, foldX: 1000 });
  assert.deepEqual(foldGrid([65535], true).workgroups, [65535, 1, 1]);
  assert.deepEqual(foldGrid([65536], true).workgroups, [32768, 2, 1]);
  assert.deepEqual(foldGrid([70000], true), { workgroups: [35000, 2, 1], gridX: 70000, foldX: 35000 });
  assert.deepEqual(foldGrid([200000, 3], true).workgroups, [50000, 4, 3]);
  assert.deepEqual(foldGrid([7, 5, 3], false).workgroups, [7, 5, 3]);
  assert.deepEqual(foldGrid([0], true).workgroups, [0, 1, 1]);
  assert.throws(() => foldGrid([70000], false), /exceeds 65535 workgroups along x/);
  assert.throws(() => foldGrid([10, 70000], true), /logical y exceeds/);
  assert.throws(() => foldGrid([1, 1, 1], true), /at most two dimensions/);
  assert.throws(() => foldGrid([1.5], true), /non-negative integers/);
  assert.throws(() => foldGrid([65535 * 65535 + 1], true), /cannot be folded/);
});

test("foldGrid: random extents are covered exactly, within the limit, with little excess", () => {
  const r = rng("foldGrid");
  for (let t = 0; t < 2000; t++) {
    const max = [65535, 1024, 16][t % 3]!;
    const x = r.int(1, Math.min(max * max, 2 ** 31));
    const { workgroups: [px, py, pz], gridX, foldX } = foldGrid([x, 3], true, max);
    assert.ok(px <= max && py <= max && pz === 3, `${x} with max ${max} (seed ${r.seed})`);
    assert.equal(gridX, x);
    assert.equal(foldX, px);
    assert.ok(px * py >= x, `covers ${x}: ${px} x ${py} (seed ${r.seed})`);
    assert.ok(px * py - x < py, `excess of ${x}: ${px * py - x} workgroups (seed ${r.seed})`);
    // Reconstructing the logical x from (wid.x, wid.y) hits every id below x exactly once.
    if (x < 5000) {
      const seen = new Uint8Array(x);
      for (let wy = 0; wy < py; wy++) for (let wx = 0; wx < px; wx++) { const l = wx + wy * foldX; if (l < gridX) seen[l]!++; }
      assert.ok(seen.every((c) => c === 1), `every logical id once for ${x} (seed ${r.seed})`);
    }
  }
});
