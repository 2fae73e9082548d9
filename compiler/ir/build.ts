// Building nodes through the op table: `apply` checks arity and attributes, infers dtype and
// shape with the op's rules, and interns the node. Everything that makes nodes (the DSL, VJP
// rules, passes, the parser) goes through here, so no ill-typed node can exist.

import "./ops.ts"; // fills the op table
import type { AttrValue, Attrs, SourceLoc } from "./graph.ts";
import { Node, formatAttr, formatLoc, makeNode } from "./graph.ts";
import type { AttrSpec, OpDef } from "./op.ts";
import { arityRange, getOp } from "./op.ts";
import type { DType, Shape } from "./types.ts";
import { formatType, isDType } from "./types.ts";

/** A type error in the IR: which op, what it was given, why it was refused, and where. */
export class IRError extends Error {
  readonly op: string;
  readonly loc: SourceLoc | undefined;
  readonly reason: string;
  constructor(op: string, reason: string, inputs: readonly Node[], loc?: SourceLoc) {
    const types = inputs.map((n) => formatType(n.dtype, n.shape)).join(", ");
    super(`${op}(${types}): ${reason}${loc ? `\n  at ${formatLoc(loc)}` : ""}`);
    this.name = "IRError";
    this.op = op;
    this.reason = reason;
    this.loc = loc;
  }
}

function checkAttr(op: string, name: string, spec: AttrSpec, v: AttrValue): string | undefined {
  const bad = (what: string) => `attribute '${name}' must be ${what}, got ${formatAttr(v)}`;
  switch (spec.kind) {
    case "int": return Number.isInteger(v) ? undefined : bad("an integer");
    case "float": return typeof v === "number" ? undefined : bad("a number");
    case "bool": return typeof v === "boolean" ? undefined : bad("true or false");
    case "string":
      if (typeof v !== "string") return bad("a string");
      return spec.oneOf && !spec.oneOf.includes(v) ? bad(`one of ${spec.oneOf.map((s) => `"${s}"`).join(", ")}`) : undefined;
    case "dtype": return typeof v === "string" && isDType(v) ? undefined : bad("a dtype name");
    case "ints": return Array.isArray(v) && v.every((x) => Number.isInteger(x)) ? undefined : bad("a list of integers");
    case "shape":
      return Array.isArray(v) && v.every((x) => (Number.isInteger(x) && (x as number) >= 0) || typeof x === "string")
        ? undefined : bad("a list of dimensions");
    case "any": return undefined;
  }
  void op;
}

/** Attributes with defaults filled in; throws on unknown, missing or ill-typed attributes. */
export function resolveAttrs(def: OpDef, attrs: Attrs, inputs: readonly Node[] = [], loc?: SourceLoc): Attrs {
  const out: Record<string, AttrValue> = {};
  for (const k of Object.keys(attrs)) {
    if (!Object.hasOwn(def.attrs, k)) {
      throw new IRError(def.name, `unknown attribute '${k}' (known: ${Object.keys(def.attrs).join(", ") || "none"})`, inputs, loc);
    }
  }
  for (const [k, spec] of Object.entries(def.attrs)) {
    const v = attrs[k] ?? spec.default;
    if (v === undefined) throw new IRError(def.name, `missing attribute '${k}'`, inputs, loc);
    const err = checkAttr(def.name, k, spec, v);
    if (err) throw new IRError(def.name, err, inputs, loc);
    out[k] = v;
  }
  return out;
}

/** Infer the type of `op(inputs){attrs}` without building it. */
export function inferType(def: OpDef, inputs: readonly Node[], attrs: Attrs, loc?: SourceLoc): { dtype: DType; shape: Shape } {
  const [lo, hi] = arityRange(def);
  if (inputs.length < lo || inputs.length > hi) {
    const want = lo === hi ? `${lo}` : hi === Infinity ? `at least ${lo}` : `${lo} to ${hi}`;
    throw new IRError(def.name, `takes ${want} input${want === "1" ? "" : "s"}, got ${inputs.length}`, inputs, loc);
  }
  try {
    return { dtype: def.dtype(inputs.map((n) => n.dtype), attrs), shape: def.shape(inputs.map((n) => n.shape), attrs) };
  } catch (e) {
    if (e instanceof IRError) throw e;
    throw new IRError(def.name, (e as Error).message, inputs, loc);
  }
}

/** Build (or find) the node `op(inputs){attrs}`. */
export function apply(op: string, inputs: readonly Node[], attrs: Attrs = {}, loc?: SourceLoc): Node {
  const def = getOp(op);
  const full = resolveAttrs(def, attrs, inputs, loc);
  const { dtype, shape } = inferType(def, inputs, full, loc);
  return makeNode(op, inputs, full, dtype, shape, loc);
}

// ---------------------------------------------------------------------------------------------
// Short builders used by VJP rules, decompositions and passes. The DSL has its own richer API
// (broadcasting, Python-like conveniences); these are the plain ops.

export const input = (name: string, dtype: DType, shape: Shape): Node => apply("input", [], { name, dtype, shape: [...shape] });
export const param = (name: string, dtype: DType, shape: Shape): Node => apply("param", [], { name, dtype, shape: [...shape] });
export const constant = (value: number, dtype: DType, shape: Shape = []): Node =>
  apply("constant", [], { value, dtype, shape: [...shape] });
/** A scalar constant broadcast to the type of `like`. */
export const full = (like: Node, value: number): Node => constant(value, like.dtype, like.shape);

export const add = (a: Node, b: Node): Node => apply("add", [a, b]);
export const sub = (a: Node, b: Node): Node => apply("sub", [a, b]);
export const mul = (a: Node, b: Node): Node => apply("mul", [a, b]);
export const div = (a: Node, b: Node): Node => apply("div", [a, b]);
export const neg = (a: Node): Node => apply("neg", [a]);
export const scale = (a: Node, s: number): Node => mul(a, full(a, s));
