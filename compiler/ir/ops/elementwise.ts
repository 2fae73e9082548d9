// Elementwise ops: unary, binary and ternary maps over inputs of one shape. The IR never
// broadcasts implicitly; the DSL inserts `broadcast` nodes, and their VJP sums gradients back.

import { apply, full, mul, neg, sub, div } from "../build.ts";
import type { Node } from "../graph.ts";
import type { InputInit, OpExample, VjpContext } from "../op.ts";
import { defineOp } from "../op.ts";
import type { DType } from "../types.ts";
import { isFloat, isInt } from "../types.ts";
import { ex, floatDType, floatOnly, mapRef, numericDType, sameDType, sameShape } from "./util.ts";

const zerosLike = (n: Node): Node => full(n, 0);
const where = (c: Node, a: Node, b: Node): Node => apply("where", [c, a, b]);
const SHAPE = [3, 5];

// erf with |error| < 1.2e-16 (W. J. Cody's rational approximations via the complementary function).
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 0.5) {
    const t = x * x;
    const p = [3.1611237438705656, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315];
    const q = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.2368334391703];
    const num = (((p[4]! * t + p[0]!) * t + p[1]!) * t + p[2]!) * t + p[3]!;
    const den = (((t + q[0]!) * t + q[1]!) * t + q[2]!) * t + q[3]!;
    return (x * num) / den;
  }
  const r = 1 - erfcPos(ax);
  return x < 0 ? -r : r;
}
function erfcPos(x: number): number {
  // x >= 0.5
  if (x < 4) {
    const p = [0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769, 1712.0476126340707, 2051.0783778260716, 1230.3393547979972, 2.1531153547440383e-8];
    const q = [15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597, 4362.619090143247, 3439.3676741437216, 1230.3393548037495];
    let num = p[8]! * x, den = x;
    for (let i = 0; i < 7; i++) {
      num = (num + p[i]!) * x;
      den = (den + q[i]!) * x;
    }
    return (Math.exp(-x * x) * (num + p[7]!)) / (den + q[7]!);
  }
  const p = [0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 6.587491615298378e-4, 0.016315387137302097];
  const q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918];
  const z = 1 / (x * x);
  let num = p[5]! * z, den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + p[i]!) * z;
    den = (den + q[i]!) * z;
  }
  const r = (z * (num + p[4]!)) / (den + q[4]!);
  return (Math.exp(-x * x) / x) * (1 / Math.sqrt(Math.PI) - r);
}

// ---------------------------------------------------------------------------------------------
// Unary

interface UnarySpec<Name extends string> {
  name: Name;
  doc: string;
  f: (x: number) => number;
  /** dtypes accepted: float only (default), any numeric, or bool only. */
  domain?: "float" | "numeric" | "bool";
  init?: InputInit;
  vjp?: (x: Node, y: Node, g: Node) => Node;
}

function unary<const Name extends string>(s: UnarySpec<Name>) {
  const domain = s.domain ?? "float";
  const dt: DType = domain === "bool" ? "bool" : "f32";
  const examples: OpExample[] = [{ inputs: [ex(dt, SHAPE, s.init ?? (domain === "bool" ? { kind: "bool" } : undefined))], attrs: {} }];
  if (domain === "numeric") examples.push({ inputs: [ex("i32", SHAPE, { kind: "int", lo: -9, hi: 9 })], attrs: {} });
  return defineOp({
    name: s.name,
    family: "elementwise",
    arity: 1,
    operands: ["x"],
    attrs: {},
    doc: s.doc,
    dtype: (d) => {
      if (domain === "float") return floatDType(d);
      if (domain === "bool") {
        if (d[0] !== "bool") throw new Error(`needs bool, got ${d[0]}`);
        return "bool";
      }
      return numericDType(d);
    },
    shape: (sh) => sh[0]!,
    reference: ([x], _a, out) => mapRef([x!], out.dtype, s.f),
    vjp: ({ inputs, out, grad }: VjpContext) => floatOnly(inputs, [s.vjp ? s.vjp(inputs[0]!, out, grad) : null]),
    differentiable: s.vjp !== undefined,
    examples: () => examples,
  });
}

const positive: InputInit = { kind: "uniform", lo: 0.2, hi: 3 };
const sq = (n: Node) => mul(n, n);

export const negOp = unary({ name: "neg", doc: "−x.", domain: "numeric", f: (x) => -x, vjp: (_x, _y, g) => neg(g) });
export const absOp = unary({ name: "abs", doc: "|x|.", domain: "numeric", f: Math.abs, vjp: (x, _y, g) => mul(g, apply("sign", [x])) });
export const signOp = unary({ name: "sign", doc: "−1, 0 or 1.", domain: "numeric", f: Math.sign });
export const expOp = unary({ name: "exp", doc: "eˣ.", f: Math.exp, vjp: (_x, y, g) => mul(g, y) });
export const logOp = unary({ name: "log", doc: "Natural logarithm.", f: Math.log, init: positive, vjp: (x, _y, g) => div(g, x) });
export const sqrtOp = unary({ name: "sqrt", doc: "√x.", f: Math.sqrt, init: positive, vjp: (_x, y, g) => div(g, mul(full(y, 2), y)) });
export const rsqrtOp = unary({ name: "rsqrt", doc: "1/√x.", f: (x) => 1 / Math.sqrt(x), init: positive,
  vjp: (_x, y, g) => mul(g, mul(full(y, -0.5), mul(y, sq(y)))) });
export const reciprocalOp = unary({ name: "reciprocal", doc: "1/x.", f: (x) => 1 / x, init: positive, vjp: (_x, y, g) => neg(mul(g, sq(y))) });
export const tanhOp = unary({ name: "tanh", doc: "Hyperbolic tangent.", f: Math.tanh, vjp: (_x, y, g) => mul(g, sub(full(y, 1), sq(y))) });
export const sigmoidOp = unary({ name: "sigmoid", doc: "1/(1+e⁻ˣ).", f: (x) => 1 / (1 + Math.exp(-x)), vjp: (_x, y, g) => mul(g, mul(y, sub(full(y, 1), y))) });
export const erfOp = unary({ name: "erf", doc: "Error function.", f: erf,
  vjp: (x, _y, g) => mul(g, mul(full(x, 2 / Math.sqrt(Math.PI)), apply("exp", [neg(sq(x))]))) });
export const sinOp = unary({ name: "sin", doc: "Sine.", f: Math.sin, vjp: (x, _y, g) => mul(g, apply("cos", [x])) });
export const cosOp = unary({ name: "cos", doc: "Cosine.", f: Math.cos, vjp: (x, _y, g) => neg(mul(g, apply("sin", [x]))) });
export const floorOp = unary({ name: "floor", doc: "Round toward −∞ (no gradient).", f: Math.floor });
export const ceilOp = unary({ name: "ceil", doc: "Round toward +∞ (no gradient).", f: Math.ceil });
export const roundOp = unary({ name: "round", doc: "Round half to even (no gradient).", f: (x) => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
} });
export const notOp = unary({ name: "not", doc: "Logical not.", domain: "bool", f: (x) => (x ? 0 : 1) });

// ---------------------------------------------------------------------------------------------
// Binary

interface BinarySpec<Name extends string> {
  name: Name;
  doc: string;
  f: (a: number, b: number, dtype: DType) => number;
  domain: "float" | "numeric" | "any" | "logic";
  /** Comparisons produce bool. */
  compare?: boolean;
  init?: readonly [InputInit | undefined, InputInit | undefined];
  vjp?: (a: Node, b: Node, y: Node, g: Node) => readonly [Node | null, Node | null];
}

function binary<const Name extends string>(s: BinarySpec<Name>) {
  const d0: DType = s.domain === "logic" ? "bool" : "f32";
  const initFor = (i: 0 | 1): InputInit | undefined => s.init?.[i] ?? (s.domain === "logic" ? { kind: "bool" } : undefined);
  const examples: OpExample[] = [{ inputs: [ex(d0, SHAPE, initFor(0)), ex(d0, SHAPE, initFor(1))], attrs: {} }];
  if (s.domain === "numeric" || s.domain === "any" || s.domain === "logic") {
    const nonzero: InputInit = { kind: "values", values: [-7, -3, -2, -1, 1, 2, 3, 5, 7, 9, 11, 13, -5, 4, 6] };
    examples.push({ inputs: [ex("i32", SHAPE, { kind: "int", lo: -20, hi: 20 }), ex("i32", SHAPE, s.name === "div" || s.name === "mod" ? nonzero : { kind: "int", lo: -20, hi: 20 })], attrs: {} });
  }
  return defineOp({
    name: s.name,
    family: "elementwise",
    arity: 2,
    operands: ["a", "b"],
    attrs: {},
    doc: s.doc,
    dtype: (d) => {
      const t = s.domain === "float" ? floatDType(d) : s.domain === "numeric" ? numericDType(d) : sameDType(d);
      if (s.domain === "logic" && t !== "bool" && !isInt(t)) throw new Error(`needs bool or an integer dtype, got ${t}`);
      return s.compare ? "bool" : t;
    },
    shape: (sh) => sameShape(sh),
    reference: ([a, b], _attrs, out) => mapRef([a!, b!], out.dtype, (x, y) => s.f(x, y, a!.dtype)),
    vjp: ({ inputs, out, grad }) => floatOnly(inputs, s.vjp ? s.vjp(inputs[0]!, inputs[1]!, out, grad) : [null, null]),
    differentiable: s.vjp !== undefined,
    examples: () => examples,
  });
}

const intDiv = (a: number, b: number) => (b === 0 ? a : Math.trunc(a / b));
export const addOp = binary({ name: "add", doc: "a + b.", domain: "numeric", f: (a, b) => a + b, vjp: (_a, _b, _y, g) => [g, g] });
export const subOp = binary({ name: "sub", doc: "a − b.", domain: "numeric", f: (a, b) => a - b, vjp: (_a, _b, _y, g) => [g, neg(g)] });
export const mulOp = binary({ name: "mul", doc: "a · b.", domain: "numeric",
  f: (a, b, d) => (d === "i32" ? Math.imul(a, b) : d === "u32" ? Math.imul(a, b) >>> 0 : a * b),
  vjp: (a, b, _y, g) => [mul(g, b), mul(g, a)] });
export const divOp = binary({ name: "div", doc: "a / b (integers truncate toward zero; x/0 = x as in WGSL).", domain: "numeric",
  f: (a, b, d) => (isFloat(d) ? a / b : intDiv(a, b)), init: [undefined, { kind: "uniform", lo: 0.5, hi: 2 }],
  vjp: (a, b, y, g) => [div(g, b), neg(div(mul(g, y), b))] });
export const modOp = binary({ name: "mod", doc: "Remainder with the sign of a (truncated, like C and WGSL); x % 0 = 0.", domain: "numeric",
  f: (a, b, d) => (isFloat(d) ? a % b : b === 0 ? 0 : a - intDiv(a, b) * b), init: [{ kind: "uniform", lo: 0.1, hi: 5 }, { kind: "uniform", lo: 0.7, hi: 1.3 }],
  vjp: (a, b, _y, g) => [g, neg(mul(g, apply("trunc_div", [a, b])))] });
export const truncDivOp = binary({ name: "trunc_div", doc: "a / b rounded toward zero (no gradient).", domain: "numeric",
  f: (a, b) => (b === 0 ? a : Math.trunc(a / b)), init: [undefined, { kind: "uniform", lo: 0.5, hi: 2 }] });
export const powOp = binary({ name: "pow", doc: "aᵇ.", domain: "float", f: (a, b) => Math.pow(a, b), init: [positive, undefined],
  vjp: (a, b, y, g) => [mul(g, mul(b, apply("pow", [a, sub(b, full(b, 1))]))), mul(g, mul(y, apply("log", [a])))] });
export const maximumOp = binary({ name: "maximum", doc: "Elementwise max (ties send the gradient to a).", domain: "numeric", f: (a, b) => Math.max(a, b),
  vjp: (a, b, _y, g) => {
    const c = apply("ge", [a, b]);
    return [where(c, g, zerosLike(g)), where(c, zerosLike(g), g)];
  } });
export const minimumOp = binary({ name: "minimum", doc: "Elementwise min (ties send the gradient to a).", domain: "numeric", f: (a, b) => Math.min(a, b),
  vjp: (a, b, _y, g) => {
    const c = apply("le", [a, b]);
    return [where(c, g, zerosLike(g)), where(c, zerosLike(g), g)];
  } });
const cmp = <const Name extends string>(name: Name, doc: string, f: (a: number, b: number) => boolean) =>
  binary({ name, doc, domain: "any", compare: true, f: (a, b) => (f(a, b) ? 1 : 0),
    init: [{ kind: "int", lo: -2, hi: 3 }, { kind: "int", lo: -2, hi: 3 }] });
export const eqOp = cmp("eq", "a = b.", (a, b) => a === b);
export const neOp = cmp("ne", "a ≠ b.", (a, b) => a !== b);
export const ltOp = cmp("lt", "a < b.", (a, b) => a < b);
export const leOp = cmp("le", "a ≤ b.", (a, b) => a <= b);
export const gtOp = cmp("gt", "a > b.", (a, b) => a > b);
export const geOp = cmp("ge", "a ≥ b.", (a, b) => a >= b);
const bits = (d: DType, v: number) => (d === "u32" ? v >>> 0 : v | 0);
export const andOp = binary({ name: "and", doc: "Logical and (bitwise on integers).", domain: "logic", f: (a, b, d) => bits(d, a & b) });
export const orOp = binary({ name: "or", doc: "Logical or (bitwise on integers).", domain: "logic", f: (a, b, d) => bits(d, a | b) });
export const xorOp = binary({ name: "xor", doc: "Logical xor (bitwise on integers).", domain: "logic", f: (a, b, d) => bits(d, a ^ b) });

// ---------------------------------------------------------------------------------------------
// Ternary and cast

export const whereOp = defineOp({
  name: "where",
  family: "elementwise",
  arity: 3,
  operands: ["cond", "a", "b"],
  attrs: {},
  doc: "cond ? a : b, elementwise.",
  dtype: ([c, a, b]) => {
    if (c !== "bool") throw new Error(`condition must be bool, got ${c}`);
    return sameDType([a!, b!]);
  },
  shape: (sh) => sameShape(sh),
  reference: ([c, a, b], _attrs, out) => mapRef([c!, a!, b!], out.dtype, (cv, av, bv) => (cv ? av : bv)),
  vjp: ({ inputs, grad }) => {
    const z = zerosLike(grad), c = inputs[0]!;
    return floatOnly(inputs, [null, where(c, grad, z), where(c, z, grad)]);
  },
  differentiable: true,
  examples: () => [{ inputs: [ex("bool", SHAPE, { kind: "bool" }), ex("f32", SHAPE), ex("f32", SHAPE)], attrs: {} }],
});

export const castOp = defineOp({
  name: "cast",
  family: "elementwise",
  arity: 1,
  operands: ["x"],
  attrs: { to: { kind: "dtype" } },
  doc: "Convert to another dtype (floats to integers truncate toward zero; to bool is x ≠ 0).",
  dtype: (_d, a) => a.to,
  shape: (sh) => sh[0]!,
  reference: ([x], _a, out) => mapRef([x!], out.dtype, (v) => v),
  vjp: ({ inputs, grad, out }) =>
    [isFloat(inputs[0]!.dtype) && isFloat(out.dtype) ? apply("cast", [grad], { to: inputs[0]!.dtype }) : null],
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", SHAPE)], attrs: { to: "f16" } },
    { inputs: [ex("f32", SHAPE, { kind: "uniform", lo: -50, hi: 50 })], attrs: { to: "i32" } },
    { inputs: [ex("i32", SHAPE, { kind: "int", lo: -3, hi: 3 })], attrs: { to: "bool" } },
    { inputs: [ex("f32", SHAPE)], attrs: { to: "bf16" } },
    { inputs: [ex("f32", SHAPE)], attrs: { to: "f32" } },
  ],
});

