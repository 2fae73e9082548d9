// Kernel IR → WGSL source text.
//
// Mechanical and deterministic: the same kernel prints the same text (pipelines are cached by
// it). Layout of the output, top to bottom: the kernel's doc comment (what it computes, its
// shapes), `enable` directives, the uniform struct, storage bindings in group 0 numbered in
// declaration order with the uniform last, workgroup arrays, helper functions, then `main`.
// Statements and operators are printed by the C-like printer shared with CUDA
// (backends/c-like/print.ts); this file holds WGSL's dialect of it. Nested operators are always
// parenthesized, which also keeps WGSL's no-mixing rules for `&&`/`||` and the bitwise operators.

import type { Kernel, Type } from "../../compiler/kernels/kernel-ir.ts";
import { forEachExpr, kernelFeatures, uniformLayout } from "../../compiler/kernels/kernel-ir.ts";
import type { Dialect } from "../c-like/print.ts";
import { CLikePrinter, floatText } from "../c-like/print.ts";

// Entry-point builtins by IR name: the WGSL builtin, the parameter name and its type.
const ENTRY_BUILTINS = [
  ["global_invocation_id", "gid", "vec3<u32>"],
  ["local_invocation_id", "lid", "vec3<u32>"],
  ["workgroup_id", "wid", "vec3<u32>"],
  ["num_workgroups", "nwg", "vec3<u32>"],
  ["local_invocation_index", "lidx", "u32"],
  ["subgroup_size", "sg_size", "u32"],
  ["subgroup_invocation_id", "sg_lane", "u32"],
] as const;

const SUBGROUP_FNS: Readonly<Record<string, string>> = {
  add: "subgroupAdd", min: "subgroupMin", max: "subgroupMax", shuffle: "subgroupShuffle",
  shuffleXor: "subgroupShuffleXor", broadcast: "subgroupBroadcast", broadcastFirst: "subgroupBroadcastFirst",
};

// erf is not a WGSL builtin. Below |x| = 1 its Maclaurin series (to x^23; truncation < 1e-10)
// keeps the accuracy near zero that 1 - erfc loses to cancellation; above, Abramowitz & Stegun
// 7.1.26 (|error| <= 1.5e-7). Measured against float64: < 3e-7 in f32. f16 callers go through f32.
const ERF_SERIES = Array.from({ length: 12 }, (_, n) => {
  let factorial = 1;
  for (let k = 2; k <= n; k++) factorial *= k;
  return ((n % 2 === 0 ? 2 : -2) / Math.sqrt(Math.PI)) / (factorial * (2 * n + 1));
});

function erfHelper(): string {
  const series = ERF_SERIES.slice(0, -1).reverse().map((c) => `    p = fma(p, s, ${literal("f32", Math.fround(c))});`);
  return [
    "// erf (not a WGSL builtin): Maclaurin series below 1, Abramowitz & Stegun 7.1.26 above; |error| < 3e-7.",
    "fn erf_f32(x: f32) -> f32 {",
    "  let a = abs(x);",
    "  if (a < 1.0f) {",
    "    let s = x * x;",
    `    var p = ${literal("f32", Math.fround(ERF_SERIES[ERF_SERIES.length - 1]!))};`,
    ...series,
    "    return x * p;",
    "  }",
    "  let t = 1.0f / fma(0.3275911f, a, 1.0f);",
    "  let q = t * fma(t, fma(t, fma(t, fma(t, 1.061405429f, -1.453152027f), 1.421413741f), -0.284496736f), 0.254829592f);",
    "  let y = 1.0f - q * exp(-(a * a));",
    "  return select(-y, y, x >= 0.0f);",
    "}",
  ].join("\n");
}

export function printWgsl(kernel: Kernel): string {
  const features = kernelFeatures(kernel);
  const layout = uniformLayout(kernel);
  const out: string[] = [];

  out.push(`// kernel ${kernel.name}`);
  for (const line of kernel.doc.trim().split("\n")) out.push(line.trim() ? `// ${line.trimEnd()}` : "//");
  out.push("");

  if (features.f16 || features.subgroups) {
    if (features.f16) out.push("enable f16;");
    if (features.subgroups) out.push("enable subgroups;");
    if (features.subgroups && kernel.subgroupBranches) out.push("diagnostic(off, subgroup_uniformity);");
    out.push("");
  }

  if (layout) {
    out.push("struct Params {");
    for (const f of layout.fields) out.push(`  ${f.name}: ${f.type},`);
    out.push("}", "");
  }

  kernel.bindings.forEach((b, i) => {
    out.push(`@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${b.type}>;`);
  });
  if (layout) out.push(`@group(0) @binding(${kernel.bindings.length}) var<uniform> params: Params;`);
  if (kernel.bindings.length > 0 || layout) out.push("");

  if (kernel.shared.length > 0) {
    for (const a of kernel.shared) out.push(`var<workgroup> ${a.name}: array<${a.type}, ${a.length}>;`);
    out.push("");
  }

  if (features.erf) out.push(erfHelper(), "");

  const used = new Set<string>();
  forEachExpr(kernel, (e) => {
    if (e.kind !== "builtin") return;
    used.add(e.name);
    if (e.name === "logical_num_workgroups" && e.axis === 1) used.add("num_workgroups");
  });
  if (features.logicalGrid) used.add("workgroup_id");
  const entryParams = ENTRY_BUILTINS.filter(([name]) => used.has(name)).map(([name, id, type]) => `@builtin(${name}) ${id}: ${type}`);

  const [x, y, z] = kernel.workgroupSize;
  out.push(`@compute @workgroup_size(${x}, ${y}, ${z})`);
  out.push(`fn main(${entryParams.join(", ")}) {`);
  if (features.logicalGrid) {
    out.push("  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)");
    out.push("  let wg_linear = wid.x + wid.y * params.grid_fold_x;");
    out.push("  if (wg_linear >= params.grid_x) {", "    return;", "  }");
  }
  printer.stmts(kernel.body, 1, out);
  out.push("}");
  return out.join("\n") + "\n";
}

// WGSL's spellings; the statement walk, operators and operand parentheses are CLikePrinter's.
const WGSL: Dialect = {
  parenthesizeNegativeOperands: false,
  let: (s, p) => `let ${s.name}: ${s.type} = ${p.expr(s.value)};`,
  var: (s, p) => `var ${s.name}: ${s.type}${s.init ? ` = ${p.expr(s.init)}` : ""};`,
  array: (s) => `var ${s.name}: array<${s.type}, ${s.length}>;`,
  forInit: (s, p) => `var ${s.name}: ${s.type} = ${p.expr(s.start)}`,
  forStep: (s, p) => `${s.name} += ${p.operand(s.step)}`,
  barrier: (s) => `${s.scope === "workgroup" ? "workgroupBarrier" : "storageBarrier"}();`,
  comment: (line) => `// ${line}`,
  literal: (e) => literal(e.type, e.value),
  builtin: (e) => builtinText(e.name, e.axis),
  unary: (e, p) => p.prefix(e),
  binary: (e, p) => p.infix(e),
  call: (e, p) => {
    if (e.fn === "erf") return e.type === "f32" ? `erf_f32(${p.expr(e.args[0]!)})` : `f16(erf_f32(f32(${p.expr(e.args[0]!)})))`;
    return `${e.fn}(${e.args.map((a) => p.expr(a)).join(", ")})`;
  },
  select: (e, p) => `select(${p.expr(e.ifFalse)}, ${p.expr(e.ifTrue)}, ${p.expr(e.cond)})`,
  cast: (e, p) => `${e.type}(${p.expr(e.arg)})`,
  bitcast: (e, p) => `bitcast<${e.type}>(${p.expr(e.arg)})`,
  vector: (e, p) => `${e.type}(${e.parts.map((a) => p.expr(a)).join(", ")})`,
  subgroup: (e, p) => `${SUBGROUP_FNS[e.op]}(${p.expr(e.arg)}${e.lane ? `, ${p.expr(e.lane)}` : ""})`,
};

const printer = new CLikePrinter(WGSL);

function builtinText(name: string, axis: number): string {
  const c = "xyz"[axis];
  switch (name) {
    case "global_invocation_id": return `gid.${c}`;
    case "local_invocation_id": return `lid.${c}`;
    case "workgroup_id": return `wid.${c}`;
    case "num_workgroups": return `nwg.${c}`;
    case "logical_workgroup_id":
      if (axis === 2) throw new Error("logical_workgroup_id has axes x and y only");
      return axis === 0 ? "wg_linear" : "wid.z";
    case "logical_num_workgroups":
      if (axis === 2) throw new Error("logical_num_workgroups has axes x and y only");
      return axis === 0 ? "params.grid_x" : "nwg.z";
    case "local_invocation_index": return "lidx";
    case "subgroup_size": return "sg_size";
    case "subgroup_invocation_id": return "sg_lane";
    default: throw new Error(`unknown builtin '${name}'`);
  }
}

/** A typed WGSL literal: 3u, -2i, 0.5f, 1e-7f, 2.0h. */
export function literal(type: Type, value: number | boolean): string {
  switch (type) {
    case "bool": return value ? "true" : "false";
    case "u32": return `${value}u`;
    // 2147483648i does not exist, so the minimum i32 is written as an expression.
    case "i32": return value === -(2 ** 31) ? "i32(-2147483647 - 1)" : `${value}i`;
    case "f32": return `${floatText(value as number, "f32")}f`;
    case "f16": return `${floatText(value as number, "f16")}h`;
    default: throw new Error(`no literal of type ${type}`);
  }
}
