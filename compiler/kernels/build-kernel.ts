// Building Kernel IR: expression constructors that check types, and a kernel builder whose
// blocks collect statements. This is the one way kernel builders make kernels, so printers can
// trust what they get.
//
//   const kb = new KernelBuilder("saxpy", { doc: "y[i] = a * x[i] + y[i]; x, y: [n]", workgroupSize: [64] });
//   const x = kb.storage("x", "f32", "read"), y = kb.storage("y", "f32", "read_write");
//   const a = kb.param("a", "f32"), n = kb.param("n", "u32");
//   const i = kb.body.let("i", builtin("global_invocation_id", 0));
//   kb.body.if(ge(i, n), (b) => b.return());
//   kb.body.store(y, i, fma(a, load(x, i), load(y, i)));
//   const kernel = kb.build();
//
// A plain JS number (or boolean) may stand for a constant wherever the other operand fixes its type.

import type {
  Access, ArithOp, ArrayRef, Axis, AxisBuiltin, BitOp, Binding, CompareOp, ElemType, Expr, Kernel, Lanes,
  MathFn, Param, ParamType, ScalarBuiltin, ScalarType, SharedArray, Stmt, SubgroupOp, Type, VectorType,
} from "./kernel-ir.ts";
import { RESERVED_NAMES, byteSize, isFloat, isInteger, isVector, lanesOf, scalarOf, vectorOf } from "./kernel-ir.ts";

export type ExprLike = Expr | number | boolean;

export class KernelIRError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelIRError";
  }
}

function fail(msg: string): never {
  throw new KernelIRError(msg);
}

// ---------------------------------------------------------------------------------------------
// Constants

const I32_MIN = -(2 ** 31), I32_MAX = 2 ** 31 - 1, U32_MAX = 2 ** 32 - 1, F16_MAX = 65504, F32_MAX = 3.4028234663852886e38;

/** A typed constant; floats are rounded to their type, out-of-range or non-finite values throw. */
export function lit(type: ScalarType, value: number | boolean): Expr {
  if (type === "bool") {
    if (typeof value !== "boolean") fail(`bool constant must be true or false, got ${value}`);
    return { kind: "const", type, value };
  }
  if (typeof value !== "number") fail(`${type} constant must be a number, got ${value}`);
  if (type === "i32" || type === "u32") {
    const [lo, hi] = type === "i32" ? [I32_MIN, I32_MAX] : [0, U32_MAX];
    if (!Number.isInteger(value) || value < lo || value > hi) fail(`${value} is not a ${type}`);
    return { kind: "const", type, value: value === 0 ? 0 : value };
  }
  if (!Number.isFinite(value)) fail(`non-finite constant ${value}: not portable across targets; use a large finite value`);
  const max = type === "f16" ? F16_MAX : F32_MAX;
  const v = type === "f16" ? Math.f16round(value) : Math.fround(value);
  if (!Number.isFinite(v) || Math.abs(v) > max) fail(`${value} overflows ${type}`);
  return { kind: "const", type, value: Object.is(v, -0) ? 0 : v };
}
export const u32 = (v: number): Expr => lit("u32", v);
export const i32 = (v: number): Expr => lit("i32", v);
export const f32 = (v: number): Expr => lit("f32", v);
export const f16 = (v: number): Expr => lit("f16", v);
export const bool = (v: boolean): Expr => lit("bool", v);

/** An expression of type `t` (or its scalar lanes) from an ExprLike. */
function as(x: ExprLike, t: Type, what: string): Expr {
  if (typeof x === "object") return x;
  const s = scalarOf(t);
  if (typeof x === "boolean" && s !== "bool") fail(`${what}: boolean ${x} where ${t} is expected`);
  return lit(s, x);
}

/** Two operands, at least one an Expr; a bare number takes the other's (scalar) type. */
function pair(a: ExprLike, b: ExprLike, what: string): [Expr, Expr] {
  if (typeof a !== "object" && typeof b !== "object") fail(`${what}: at least one operand must be an expression to fix the type`);
  const ea = typeof a === "object" ? a : as(a, (b as Expr).type, what);
  const eb = typeof b === "object" ? b : as(b, ea.type, what);
  return [ea, eb];
}

// ---------------------------------------------------------------------------------------------
// Leaves

export function builtin(name: AxisBuiltin, axis: Axis): Expr;
export function builtin(name: ScalarBuiltin): Expr;
export function builtin(name: AxisBuiltin | ScalarBuiltin, axis: Axis = 0): Expr {
  return { kind: "builtin", type: "u32", name, axis };
}
/** The folding-aware workgroup id along x (the launch's logical x). */
export function linearWorkgroupId(): Expr {
  return builtin("logical_workgroup_id", 0);
}
/** linearWorkgroupId() * workgroupSizeX + local_invocation_id.x: one id per invocation along x. */
export function linearGlobalId(workgroupSizeX: number): Expr {
  return add(mul(linearWorkgroupId(), u32(workgroupSizeX)), builtin("local_invocation_id", 0));
}

export function load(array: ArrayRef, index: ExprLike): Expr {
  const i = as(index, "u32", `index into '${array.name}'`);
  checkIndex(i, array.name);
  return { kind: "load", type: array.type, array: plainRef(array), index: i };
}

function checkIndex(i: Expr, name: string): void {
  if (i.type !== "u32" && i.type !== "i32") fail(`index into '${name}' must be u32 or i32, got ${i.type}`);
}

// ---------------------------------------------------------------------------------------------
// Operators

function arith(op: ArithOp, a: ExprLike, b: ExprLike): Expr {
  const [x, y] = pair(a, b, op);
  if (scalarOf(x.type) !== scalarOf(y.type) || scalarOf(x.type) === "bool") fail(`${op}: operands ${x.type} and ${y.type} do not match`);
  const lx = lanesOf(x.type), ly = lanesOf(y.type);
  if (lx !== ly && lx !== 1 && ly !== 1) fail(`${op}: operands ${x.type} and ${y.type} have different lane counts`);
  return { kind: "binary", type: lx >= ly ? x.type : y.type, op, lhs: x, rhs: y };
}
export const add = (a: ExprLike, b: ExprLike): Expr => arith("add", a, b);
export const sub = (a: ExprLike, b: ExprLike): Expr => arith("sub", a, b);
export const mul = (a: ExprLike, b: ExprLike): Expr => arith("mul", a, b);
/** Division; integers truncate toward zero. */
export const div = (a: ExprLike, b: ExprLike): Expr => arith("div", a, b);
/** Remainder with the sign of the dividend (C's %, WGSL's %). */
export const rem = (a: ExprLike, b: ExprLike): Expr => arith("rem", a, b);

function compare(op: CompareOp, a: ExprLike, b: ExprLike): Expr {
  const [x, y] = pair(a, b, op);
  if (x.type !== y.type || isVector(x.type)) fail(`${op}: needs two scalars of one type, got ${x.type} and ${y.type}`);
  if (x.type === "bool" && op !== "eq" && op !== "ne") fail(`${op}: bool operands can only be compared for (in)equality`);
  return { kind: "binary", type: "bool", op, lhs: x, rhs: y };
}
export const eq = (a: ExprLike, b: ExprLike): Expr => compare("eq", a, b);
export const ne = (a: ExprLike, b: ExprLike): Expr => compare("ne", a, b);
export const lt = (a: ExprLike, b: ExprLike): Expr => compare("lt", a, b);
export const le = (a: ExprLike, b: ExprLike): Expr => compare("le", a, b);
export const gt = (a: ExprLike, b: ExprLike): Expr => compare("gt", a, b);
export const ge = (a: ExprLike, b: ExprLike): Expr => compare("ge", a, b);

function logic(op: "and" | "or", a: ExprLike, b: ExprLike): Expr {
  const x = as(a, "bool", op), y = as(b, "bool", op);
  if (x.type !== "bool" || y.type !== "bool") fail(`${op}: needs bool operands, got ${x.type} and ${y.type}`);
  return { kind: "binary", type: "bool", op, lhs: x, rhs: y };
}
/** Logical and (short-circuit). */
export const and = (a: ExprLike, b: ExprLike): Expr => logic("and", a, b);
/** Logical or (short-circuit). */
export const or = (a: ExprLike, b: ExprLike): Expr => logic("or", a, b);
export function not(a: Expr): Expr {
  if (a.type !== "bool") fail(`not: needs bool, got ${a.type}`);
  return { kind: "unary", type: "bool", op: "not", arg: a };
}

function bitwise(op: BitOp, a: ExprLike, b: ExprLike): Expr {
  if (op === "shl" || op === "shr") {
    if (typeof a !== "object") fail(`${op}: the shifted operand must be an expression`);
    const s = as(b, vectorOf("u32", lanesOf(a.type)), op);
    if (!isInteger(a.type)) fail(`${op}: needs an integer, got ${a.type}`);
    if (s.type !== vectorOf("u32", lanesOf(a.type))) fail(`${op}: shift amount must be u32 (per lane), got ${s.type}`);
    return { kind: "binary", type: a.type, op, lhs: a, rhs: s };
  }
  const [x, y] = pair(a, b, op);
  if (x.type !== y.type || !isInteger(x.type)) fail(`${op}: needs two integers of one type, got ${x.type} and ${y.type}`);
  return { kind: "binary", type: x.type, op, lhs: x, rhs: y };
}
export const bitand = (a: ExprLike, b: ExprLike): Expr => bitwise("bitand", a, b);
export const bitor = (a: ExprLike, b: ExprLike): Expr => bitwise("bitor", a, b);
export const bitxor = (a: ExprLike, b: ExprLike): Expr => bitwise("bitxor", a, b);
export const shl = (a: Expr, b: ExprLike): Expr => bitwise("shl", a, b);
/** Shift right: logical for u32, arithmetic for i32. */
export const shr = (a: Expr, b: ExprLike): Expr => bitwise("shr", a, b);
export function bitnot(a: Expr): Expr {
  if (!isInteger(a.type)) fail(`bitnot: needs an integer, got ${a.type}`);
  return { kind: "unary", type: a.type, op: "bitnot", arg: a };
}
export function neg(a: Expr): Expr {
  const s = scalarOf(a.type);
  if (s !== "f32" && s !== "f16" && s !== "i32") fail(`neg: needs f32, f16 or i32, got ${a.type}`);
  return { kind: "unary", type: a.type, op: "neg", arg: a };
}

// ---------------------------------------------------------------------------------------------
// Functions

const FLOAT_ONLY: ReadonlySet<MathFn> = new Set<MathFn>([
  "exp", "exp2", "log", "log2", "sqrt", "inverseSqrt", "tanh", "sin", "cos", "pow", "floor", "ceil", "round", "trunc", "erf", "fma",
]);

function call(fn: MathFn, args: readonly ExprLike[]): Expr {
  const first = args.find((a): a is Expr => typeof a === "object");
  if (!first) fail(`${fn}: at least one argument must be an expression to fix the type`);
  const es = args.map((a) => as(a, first.type, fn));
  for (const e of es) if (e.type !== first.type) fail(`${fn}: arguments must share one type, got ${es.map((x) => x.type).join(", ")}`);
  if (first.type === "bool" || scalarOf(first.type) === "bool") fail(`${fn}: not defined on bool`);
  if (FLOAT_ONLY.has(fn) && !isFloat(first.type)) fail(`${fn}: needs a float, got ${first.type}`);
  if (fn === "abs" && scalarOf(first.type) === "u32") fail("abs: not defined on u32");
  if (fn === "erf" && isVector(first.type)) fail("erf: takes a scalar (apply it per lane)");
  return { kind: "call", type: first.type, fn, args: es };
}
export const exp = (x: Expr): Expr => call("exp", [x]);
export const exp2 = (x: Expr): Expr => call("exp2", [x]);
export const log = (x: Expr): Expr => call("log", [x]);
export const log2 = (x: Expr): Expr => call("log2", [x]);
export const sqrt = (x: Expr): Expr => call("sqrt", [x]);
export const inverseSqrt = (x: Expr): Expr => call("inverseSqrt", [x]);
export const tanh = (x: Expr): Expr => call("tanh", [x]);
export const sin = (x: Expr): Expr => call("sin", [x]);
export const cos = (x: Expr): Expr => call("cos", [x]);
export const pow = (x: ExprLike, y: ExprLike): Expr => call("pow", [x, y]);
export const abs = (x: Expr): Expr => call("abs", [x]);
export const floor = (x: Expr): Expr => call("floor", [x]);
export const ceil = (x: Expr): Expr => call("ceil", [x]);
/** Round half to even. */
export const round = (x: Expr): Expr => call("round", [x]);
export const trunc = (x: Expr): Expr => call("trunc", [x]);
export const erf = (x: Expr): Expr => call("erf", [x]);
export const min = (x: ExprLike, y: ExprLike): Expr => call("min", [x, y]);
export const max = (x: ExprLike, y: ExprLike): Expr => call("max", [x, y]);
export const clamp = (x: ExprLike, lo: ExprLike, hi: ExprLike): Expr => call("clamp", [x, lo, hi]);
/** a * b + c, fused where the target can. */
export const fma = (a: ExprLike, b: ExprLike, c: ExprLike): Expr => call("fma", [a, b, c]);

/** cond ? ifTrue : ifFalse (both evaluated). */
export function select(cond: Expr, ifTrue: ExprLike, ifFalse: ExprLike): Expr {
  if (cond.type !== "bool") fail(`select: condition must be bool, got ${cond.type}`);
  const [t, f] = pair(ifTrue, ifFalse, "select");
  if (t.type !== f.type) fail(`select: branches ${t.type} and ${f.type} differ`);
  return { kind: "select", type: t.type, cond, ifTrue: t, ifFalse: f };
}

/** Value conversion (per lane for vectors). */
export function cast(to: Type, x: Expr): Expr {
  if (lanesOf(to) !== lanesOf(x.type)) fail(`cast: ${x.type} to ${to} changes the lane count`);
  if (to === x.type) return x;
  return { kind: "cast", type: to, arg: x };
}

/** Reinterpret the bits; sizes must agree (e.g. f32 ↔ u32, vec2<f16> ↔ u32). */
export function bitcast(to: Type, x: Expr): Expr {
  if (scalarOf(to) === "bool" || scalarOf(x.type) === "bool") fail("bitcast: bool has no bit pattern");
  if (lanesOf(to) === 3 || lanesOf(x.type) === 3) fail("bitcast: 3-lane vectors are not supported");
  if (byteSize(to) !== byteSize(x.type)) fail(`bitcast: ${x.type} and ${to} differ in size`);
  return { kind: "bitcast", type: to, arg: x };
}

/** A vector from one part per lane, or one scalar splatted to every lane. */
export function vec(type: VectorType, ...parts: ExprLike[]): Expr {
  const s = scalarOf(type), n = lanesOf(type);
  if (parts.length !== 1 && parts.length !== n) fail(`vec: ${type} needs 1 or ${n} parts, got ${parts.length}`);
  const es = parts.map((p) => as(p, s, "vec"));
  for (const e of es) if (e.type !== s) fail(`vec: ${type} parts must be ${s}, got ${e.type}`);
  return { kind: "vector", type, parts: es };
}

/** One lane of a vector (0 = x .. 3 = w). */
export function lane(v: Expr, i: 0 | 1 | 2 | 3): Expr {
  if (!isVector(v.type)) fail(`lane: ${v.type} is not a vector`);
  if (i >= lanesOf(v.type)) fail(`lane: ${v.type} has no lane ${i}`);
  return { kind: "lane", type: scalarOf(v.type), vec: v, lane: i };
}

// ---------------------------------------------------------------------------------------------
// Subgroups (need the `subgroups` feature; the subgroup size varies by device, 4 to 128)

function subgroup(op: SubgroupOp, x: Expr, laneArg: ExprLike | null): Expr {
  if (scalarOf(x.type) === "bool") fail(`subgroup ${op}: not defined on bool`);
  if ((op === "add" || op === "min" || op === "max") && !isFloat(x.type) && !isInteger(x.type)) fail(`subgroup ${op}: needs numbers`);
  let l: Expr | null = null;
  if (laneArg !== null) {
    l = as(laneArg, "u32", `subgroup ${op}`);
    if (l.type !== "u32") fail(`subgroup ${op}: lane must be u32, got ${l.type}`);
    if (op === "broadcast" && l.kind !== "const") fail("subgroup broadcast: the lane must be a constant (use shuffle otherwise)");
  }
  return { kind: "subgroup", type: x.type, op, arg: x, lane: l };
}
export const subgroupAdd = (x: Expr): Expr => subgroup("add", x, null);
export const subgroupMin = (x: Expr): Expr => subgroup("min", x, null);
export const subgroupMax = (x: Expr): Expr => subgroup("max", x, null);
/** x from invocation `lane` of the subgroup. */
export const subgroupShuffle = (x: Expr, srcLane: ExprLike): Expr => subgroup("shuffle", x, srcLane);
/** x from invocation (own lane ^ mask), the butterfly step of reductions. */
export const subgroupShuffleXor = (x: Expr, mask: ExprLike): Expr => subgroup("shuffleXor", x, mask);
/** x from a constant lane. */
export const subgroupBroadcast = (x: Expr, srcLane: number): Expr => subgroup("broadcast", x, srcLane);
export const subgroupBroadcastFirst = (x: Expr): Expr => subgroup("broadcastFirst", x, null);
export const subgroupSize = (): Expr => builtin("subgroup_size");
export const subgroupInvocationId = (): Expr => builtin("subgroup_invocation_id");

// ---------------------------------------------------------------------------------------------
// Statements

const IDENT = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Names in a kernel: one namespace, so every target can declare them without shadowing. */
class Names {
  private readonly used = new Set<string>();
  /** Claims `base` exactly (declarations visible to callers by that name). */
  claim(name: string, what: string): string {
    if (!IDENT.test(name)) fail(`${what} name '${name}' is not an identifier (letters, digits, _ ; starting with a letter)`);
    if (RESERVED_NAMES.has(name) || KEYWORDS.has(name)) fail(`${what} name '${name}' is reserved`);
    if (this.used.has(name)) fail(`${what} name '${name}' is already used in this kernel`);
    this.used.add(name);
    return name;
  }
  /** A fresh name from `base`: base, base_1, base_2 ... */
  fresh(base: string, what: string): string {
    let name = base;
    for (let n = 1; this.used.has(name) || RESERVED_NAMES.has(name) || KEYWORDS.has(name); n++) name = `${base}_${n}`;
    return this.claim(name, what);
  }
}

// Words reserved by WGSL or C++/CUDA that a kernel might plausibly choose.
const KEYWORDS: ReadonlySet<string> = new Set([
  "alias", "array", "bitcast", "bool", "break", "case", "const", "continue", "default", "discard", "do", "else", "enable",
  "f16", "f32", "false", "fn", "for", "if", "i32", "let", "loop", "override", "ptr", "return", "sampler", "struct",
  "switch", "true", "u32", "var", "vec2", "vec3", "vec4", "while", "workgroup", "uniform", "storage", "read", "write",
  "mat2x2", "mat3x3", "mat4x4", "int", "float", "half", "unsigned", "signed", "char", "short", "long", "double", "auto",
  "void", "static", "extern", "inline", "template", "typename", "this", "new", "delete", "class", "public", "private",
  "register", "volatile", "sizeof", "union", "goto", "asm", "using", "namespace", "operator", "threadIdx", "blockIdx",
  "blockDim", "gridDim", "warpSize", "select", "cast",
  "exp", "exp2", "log", "log2", "sqrt", "inverseSqrt", "tanh", "sin", "cos", "pow", "abs", "floor", "ceil", "round", "trunc",
  "erf", "min", "max", "clamp", "fma",
]);

export class Block {
  readonly stmts: Stmt[] = [];
  private readonly names: Names;
  private readonly mutable: Set<string>;
  private readonly loopDepth: number;

  constructor(names: Names, mutable: Set<string>, loopDepth: number) {
    this.names = names;
    this.mutable = mutable;
    this.loopDepth = loopDepth;
  }

  private child(inLoop: boolean): Block {
    return new Block(this.names, this.mutable, this.loopDepth + (inLoop ? 1 : 0));
  }

  /** An immutable local; returns the expression that reads it. */
  let(name: string, value: Expr): Expr {
    const n = this.names.fresh(name, "let");
    this.stmts.push({ kind: "let", name: n, type: value.type, value });
    return { kind: "local", type: value.type, name: n };
  }

  /** A mutable local, zero-initialized when only its type is given. */
  var(name: string, typeOrInit: Type | Expr): Expr {
    const n = this.names.fresh(name, "var");
    const init = typeof typeOrInit === "string" ? null : typeOrInit;
    const type = typeof typeOrInit === "string" ? typeOrInit : typeOrInit.type;
    this.mutable.add(n);
    this.stmts.push({ kind: "var", name: n, type, init });
    return { kind: "local", type, name: n };
  }

  /** A per-invocation array (registers, if the target can), zero-initialized. */
  array(name: string, type: Type, length: number): ArrayRef {
    checkArray(type, length, "local array");
    const n = this.names.fresh(name, "array");
    this.stmts.push({ kind: "array", name: n, type, length });
    return { space: "local", name: n, type };
  }

  assign(target: Expr, value: ExprLike): void {
    if (target.kind !== "local" || !this.mutable.has(target.name)) fail("assign: the target must be a var");
    const v = as(value, target.type, `assign to '${target.name}'`);
    if (v.type !== target.type) fail(`assign to '${target.name}': ${v.type} where ${target.type} is expected`);
    this.stmts.push({ kind: "assign", name: target.name, value: v });
  }

  store(array: ArrayRef, index: ExprLike, value: ExprLike): void {
    const i = as(index, "u32", `index into '${array.name}'`);
    checkIndex(i, array.name);
    const v = as(value, array.type, `store to '${array.name}'`);
    if (v.type !== array.type) fail(`store to '${array.name}': ${v.type} where ${array.type} is expected`);
    if (array.space === "storage" && (array as { access?: Access }).access === "read") fail(`store to read-only binding '${array.name}'`);
    this.stmts.push({ kind: "store", array: plainRef(array), index: i, value: v });
  }

  if(cond: Expr, then: (b: Block) => void, otherwise?: (b: Block) => void): void {
    if (cond.type !== "bool") fail(`if: condition must be bool, got ${cond.type}`);
    const t = this.child(false), e = this.child(false);
    then(t);
    otherwise?.(e);
    this.stmts.push({ kind: "if", cond, then: t.stmts, else: e.stmts });
  }

  /** for (i = start; i < end; i += step); the loop variable's type comes from `start` or `end`. */
  for(name: string, start: ExprLike, end: ExprLike, body: (b: Block, i: Expr) => void, step: ExprLike = 1): void {
    const [s, e] = pair(start, end, "for");
    if (s.type !== e.type || (s.type !== "u32" && s.type !== "i32")) fail(`for: bounds must be u32 or i32 of one type, got ${s.type} and ${e.type}`);
    const st = as(step, s.type, "for step");
    if (st.type !== s.type) fail(`for: step must be ${s.type}, got ${st.type}`);
    if (st.kind === "const" && (st.value as number) <= 0) fail("for: step must be positive");
    const n = this.names.fresh(name, "loop variable");
    const b = this.child(true);
    body(b, { kind: "local", type: s.type, name: n });
    this.stmts.push({ kind: "for", name: n, type: s.type, start: s, end: e, step: st, body: b.stmts });
  }

  while(cond: ExprLike, body: (b: Block) => void): void {
    const c = as(cond, "bool", "while");
    if (c.type !== "bool") fail(`while: condition must be bool, got ${c.type}`);
    const b = this.child(true);
    body(b);
    this.stmts.push({ kind: "while", cond: c, body: b.stmts });
  }

  break(): void {
    if (this.loopDepth === 0) fail("break outside a loop");
    this.stmts.push({ kind: "break" });
  }
  continue(): void {
    if (this.loopDepth === 0) fail("continue outside a loop");
    this.stmts.push({ kind: "continue" });
  }
  return(): void {
    this.stmts.push({ kind: "return" });
  }
  /** Orders workgroup-memory accesses across the workgroup; call it in uniform control flow. */
  barrier(): void {
    this.stmts.push({ kind: "barrier", scope: "workgroup" });
  }
  /** Orders storage-buffer accesses across the workgroup. */
  storageBarrier(): void {
    this.stmts.push({ kind: "barrier", scope: "storage" });
  }
  comment(text: string): void {
    this.stmts.push({ kind: "comment", text });
  }
}

function checkArray(type: Type, length: number, what: string): void {
  if (!Number.isInteger(length) || length <= 0) fail(`${what}: length must be a positive integer, got ${length}`);
  if (scalarOf(type) === "bool") fail(`${what}: bool elements are not supported; use u32`);
  if (lanesOf(type) === 3) fail(`${what}: 3-lane vectors are not supported (their stride differs by target)`);
}

/** Drops builder-only fields so the IR stays plain data. */
function plainRef(a: ArrayRef): ArrayRef {
  return { space: a.space, name: a.name, type: a.type };
}

/** A storage binding as the builder hands it out: an ArrayRef that remembers its access. */
export interface StorageRef extends ArrayRef {
  readonly access: Access;
}

export interface KernelOptions {
  /** What the kernel computes and the shapes it assumes (printed at the top of the source). */
  doc: string;
  /** Invocations per workgroup along x[, y[, z]]. */
  workgroupSize: readonly number[];
}

export class KernelBuilder {
  readonly name: string;
  readonly body: Block;
  private readonly doc: string;
  private readonly workgroupSize: readonly [number, number, number];
  private readonly names = new Names();
  private readonly bindings: Binding[] = [];
  private readonly params: Param[] = [];
  private readonly paramNames = new Set<string>();
  private readonly shared: SharedArray[] = [];
  private subgroupBranches = false;

  constructor(name: string, options: KernelOptions) {
    if (!IDENT.test(name)) fail(`kernel name '${name}' is not an identifier`);
    this.name = name;
    this.doc = options.doc;
    const [x = 1, y = 1, z = 1, ...rest] = options.workgroupSize;
    if (rest.length > 0 || options.workgroupSize.length === 0) fail(`kernel '${name}': workgroup size needs 1 to 3 numbers`);
    for (const d of [x, y, z]) if (!Number.isInteger(d) || d < 1) fail(`kernel '${name}': bad workgroup size [${options.workgroupSize.join(", ")}]`);
    this.workgroupSize = [x, y, z];
    this.body = new Block(this.names, new Set(), 0);
  }

  /** A storage binding: a 1-D array of `elem`, or of vec2/vec4 of it when `lanes` says so. */
  storage(name: string, elem: ElemType, access: Access, lanes: 1 | 2 | 4 = 1): StorageRef {
    const n = this.names.claim(name, "binding");
    const type = vectorOf(elem, lanes as 1 | Lanes);
    this.bindings.push({ name: n, type, access });
    return { space: "storage", name: n, type, access };
  }

  /**
   * Re-declares a storage binding read_write (loads already emitted through it stay valid): a
   * tensor first read, then found to be written in place by the same kernel.
   */
  makeWritable(ref: StorageRef): StorageRef {
    const k = this.bindings.findIndex((b) => b.name === ref.name);
    if (k < 0) fail(`makeWritable: no binding '${ref.name}'`);
    this.bindings[k] = { ...this.bindings[k]!, access: "read_write" };
    return { ...ref, access: "read_write" };
  }

  /** A scalar parameter; all parameters travel in one uniform struct. */
  param(name: string, type: ParamType): Expr {
    if (!IDENT.test(name) || RESERVED_NAMES.has(name) || KEYWORDS.has(name)) fail(`param name '${name}' is reserved or not an identifier`);
    if (this.paramNames.has(name)) fail(`param '${name}' declared twice`);
    this.paramNames.add(name);
    this.params.push({ name, type });
    return { kind: "param", type, name };
  }

  /** A workgroup-memory array shared by the invocations of a workgroup. */
  sharedArray(name: string, type: Type, length: number): ArrayRef {
    checkArray(type, length, `workgroup array '${name}'`);
    const n = this.names.claim(name, "workgroup array");
    this.shared.push({ name: n, type, length });
    return { space: "workgroup", name: n, type };
  }

  /** Subgroup operations may sit under per-subgroup branches (Kernel.subgroupBranches). */
  allowSubgroupBranches(): void {
    this.subgroupBranches = true;
  }

  build(): Kernel {
    return Object.freeze({
      ...(this.subgroupBranches ? { subgroupBranches: true } : {}),
      name: this.name,
      doc: this.doc,
      workgroupSize: this.workgroupSize,
      bindings: Object.freeze([...this.bindings]),
      params: Object.freeze([...this.params]),
      shared: Object.freeze([...this.shared]),
      body: Object.freeze([...this.body.stmts]),
    });
  }
}
