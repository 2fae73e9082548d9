// The WGSL printer: snapshots of fixed kernels (`npx vitest run -u` rewrites them), determinism,
// directives, binding order and literal spelling. No device needed.

import assert from "node:assert/strict";
import { expect, test } from "vitest";
import { KernelBuilder, add, builtin, i32, load, lt, shl, subgroupShuffleXor, subgroupSize, u32 } from "../../compiler/kernels/build-kernel.ts";
import { literal, printWgsl } from "../../backends/wgsl/print.ts";
import { erfKernel, linearIdKernel, rowSumKernel, saxpyKernel, subgroupSumKernel } from "../kernels/sample-kernels.ts";

for (const [file, make] of [
  ["saxpy_f32.wgsl", () => saxpyKernel("f32")],
  ["row_sum_f32.wgsl", () => rowSumKernel("f32")],
  ["erf_f32.wgsl", () => erfKernel("f32")],
] as const) {
  test(`snapshot ${file}`, async () => {
    await expect(printWgsl(make()), `${file}: review the diff; \`npx vitest run -u\` rewrites it`).toMatchFileSnapshot(`../kernels/snapshots/${file}`);
  });
}

test("printing is deterministic: the same kernel built twice prints the same text", () => {
  for (const make of [() => saxpyKernel("f16"), () => rowSumKernel("f32", 128), linearIdKernel, () => subgroupSumKernel("f32")]) {
    assert.equal(printWgsl(make()), printWgsl(make()));
  }
});

test("the doc comment comes first, `enable f16;` only for f16 kernels", () => {
  const f32Text = printWgsl(saxpyKernel("f32")), f16Text = printWgsl(saxpyKernel("f16"));
  assert.ok(f32Text.startsWith("// kernel saxpy_f32\n// y[i] = a * x[i] + y[i]\n// shapes: x, y: f32[n]"));
  assert.doesNotMatch(f32Text, /enable f16/);
  assert.match(f16Text, /^enable f16;$/m);
  assert.match(f16Text, /var<storage, read> x: array<f16>;/);
  assert.match(f16Text, /y\[i\] = fma\(f16\(params\.a\), x\[i\], y\[i\]\);/);
});

test("storage bindings are numbered in declaration order, the uniform struct last", () => {
  const text = printWgsl(subgroupSumKernel("f32"));
  const bindings = [...text.matchAll(/@binding\((\d+)\) var<([a-z_, ]+)> (\w+)/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
  assert.deepEqual(bindings, ["0 storage, read x", "1 storage, read_write sum", "2 storage, read_write size", "3 storage, read_write first"]);
  const withParams = printWgsl(saxpyKernel("f32"));
  assert.match(withParams, /@group\(0\) @binding\(2\) var<uniform> params: Params;/);
});

test("subgroup operations enable the extension and bring their builtins", () => {
  const kb = new KernelBuilder("butterfly", { doc: "x[i] = sum of x over the subgroup, by xor shuffles\nshapes: x: f32[n]", workgroupSize: [32] });
  const x = kb.storage("x", "f32", "read_write");
  const b = kb.body;
  const i = b.let("i", builtin("global_invocation_id", 0));
  const v = b.var("v", load(x, i));
  const m = b.var("m", u32(1));
  b.while(lt(m, subgroupSize()), (l) => {
    l.assign(v, add(v, subgroupShuffleXor(v, m)));
    l.assign(m, shl(m, 1));
  });
  b.store(x, i, v);
  const text = printWgsl(kb.build());
  assert.match(text, /^enable subgroups;$/m);
  assert.match(text, /while \(m < sg_size\) \{\n    v = v \+ subgroupShuffleXor\(v, m\);\n    m = m << 1u;/);
  assert.doesNotMatch(text, /var<uniform>/, "no parameters, no uniform");
  assert.match(printWgsl(subgroupSumKernel("f32")), /@builtin\(subgroup_size\) sg_size: u32/);
});

test("logical workgroup ids add the folding prologue and the grid fields", () => {
  const text = printWgsl(linearIdKernel());
  assert.match(text, /struct Params \{\n  grid_x: u32,\n  grid_fold_x: u32,\n\}/);
  assert.match(text, /let wg_linear = wid\.x \+ wid\.y \* params\.grid_fold_x;\n  if \(wg_linear >= params\.grid_x\) \{\n    return;/);
  assert.doesNotMatch(printWgsl(saxpyKernel("f32")), /wg_linear/);
});

test("literals are typed and exact in their precision", () => {
  assert.equal(literal("f32", 0.1), "0.1f");
  assert.equal(literal("f32", Math.fround(0.1)), "0.1f");
  assert.equal(literal("f32", 3), "3.0f");
  assert.equal(literal("f32", 1e-7), "1e-7f");
  assert.equal(literal("f32", -2.5e20), "-2.5e+20f");
  assert.equal(literal("f32", 12345678), "1.2345678e+7f");
  assert.equal(literal("f32", 0.00025), "0.00025f");
  assert.equal(literal("f16", Math.f16round(0.1)), "0.1h");
  assert.equal(literal("u32", 4294967295), "4294967295u");
  assert.equal(literal("i32", -7), "-7i");
  assert.equal(literal("i32", -(2 ** 31)), "i32(-2147483647 - 1)");
  assert.equal(literal("bool", false), "false");
  // Every f32 literal the printer writes reads back to the same float.
  for (const v of [Math.PI, -1 / 3, 6.1e-5, 3.4028234663852886e38, 1.401298464324817e-45]) {
    const text = literal("f32", Math.fround(v));
    assert.equal(Math.fround(Number(text.slice(0, -1))), Math.fround(v), text);
  }
  assert.equal(printWgsl((() => {
    const kb = new KernelBuilder("consts", { doc: "constants", workgroupSize: [1] });
    const o = kb.storage("o", "i32", "read_write");
    kb.body.store(o, 0, i32(-5));
    return kb.build();
  })()).includes("o[0u] = -5i;"), true);
});
