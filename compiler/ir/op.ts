// The shape of an op table entry, and the table itself.
//
// Every op is defined exactly once (files under ops/) with all of its columns: name, family,
// arity, attribute schema, dtype rule, shape rule, float64 reference implementation, VJP rule,
// examples for tests, and for composites a decomposition into primitives. A test walks the table
// and fails for any entry missing a column.

import type { AttrValue, Attrs, Node } from "./graph.ts";
import type { RefTensor } from "./ref.ts";
import type { DType, Shape } from "./types.ts";

export type OpFamily =
  | "source" // no data inputs: input, param, constant, iota, random
  | "elementwise" // unary, binary, ternary maps over equal shapes
  | "reduce" // reduce one or more axes
  | "movement" // reshape, permute, broadcast, slice, concat, pad
  | "index" // gather, scatter
  | "contraction" // matmul, conv2d
  | "composite"; // defined by a decomposition; fused kernels may replace it

export type AttrKind =
  | "int" | "float" | "bool" | "string" | "dtype"
  | "ints" // list of integers
  | "shape" // list of dims (integers or symbolic names)
  | "any"; // structured value (e.g. a mask description)

export interface AttrSpec {
  readonly kind: AttrKind;
  /** Used when the attribute is omitted; an attribute without a default is required. */
  readonly default?: AttrValue;
  /** Allowed values for string attributes. */
  readonly oneOf?: readonly string[];
  readonly doc?: string;
}

/** An entry's attribute schema: name → spec. */
export type AttrSchema = { readonly [name: string]: AttrSpec };

/** The value type of one attribute spec (string attributes with `oneOf` are that union). */
export type AttrType<S extends AttrSpec> =
  S["kind"] extends "int" | "float" ? number
  : S["kind"] extends "bool" ? boolean
  : S["kind"] extends "string" ? (S extends { readonly oneOf: readonly (infer T extends string)[] } ? T : string)
  : S["kind"] extends "dtype" ? DType
  : S["kind"] extends "ints" ? readonly number[]
  : S["kind"] extends "shape" ? Shape
  : AttrValue;

/**
 * The resolved attributes of a node of an entry with schema S: every attribute present (apply
 * fills defaults and checks kinds, so a node's attributes always match its entry's schema).
 */
export type AttrValues<S extends AttrSchema> = { readonly [K in keyof S]: AttrType<S[K]> };

/**
 * Operand names, in input order: "x" is required, "x?" optional (optional operands are trailing,
 * and one is present only when those before it are), "xs..." takes the rest (variadic, last).
 */
export type OperandNames = readonly string[];

type OperandField<N extends string> = N extends `${infer B}...` ? B : N extends `${infer B}?` ? B : N;
type OperandValue<N extends string> = N extends `${string}...` ? readonly Node[] : N extends `${string}?` ? Node | undefined : Node;

/** The inputs of a node by name: `operandsOf(node).segments` instead of `node.inputs[8]`. */
export type OperandView<O extends OperandNames> = { readonly [N in O[number] as OperandField<N>]: OperandValue<N> };

/** How tests draw a random input for an example. */
export type InputInit =
  | { readonly kind: "normal"; readonly scale?: number }
  | { readonly kind: "uniform"; readonly lo: number; readonly hi: number }
  | { readonly kind: "int"; readonly lo: number; readonly hi: number } // inclusive lo, exclusive hi
  | { readonly kind: "bool" }
  | { readonly kind: "values"; readonly values: readonly number[] }; // exactly these

export interface ExampleInput {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly init?: InputInit; // default: normal for floats, small ints for integers
}

export interface OpExample {
  readonly inputs: readonly ExampleInput[];
  readonly attrs: Attrs;
  readonly note?: string;
  /** Override the finite-difference tolerance (default 1e-5 relative, max-norm, float64). */
  readonly gradTol?: number;
}

export interface VjpContext<A extends Attrs = Attrs> {
  readonly inputs: readonly Node[];
  readonly out: Node;
  /** Gradient of the loss with respect to `out`, same shape and dtype. */
  readonly grad: Node;
  readonly attrs: A;
}

/**
 * An op table entry. `Name`, `S` (the attribute schema) and `O` (the operand names) are inferred
 * from the entry's literal, so its rules see typed attributes (`a.axes`, not `a["axes"] as
 * number[]`) and `operandsOf`/`attrsOf` (view.ts) type a node of it. The rules are methods so an
 * entry is an `OpDef` of the plain table (whose rules take any `Attrs`): the table checks every
 * node's attributes against the schema before a rule sees them.
 */
export interface OpDef<Name extends string = string, S extends AttrSchema = AttrSchema, O extends OperandNames = OperandNames> {
  readonly name: Name;
  readonly family: OpFamily;
  /** Exact count, or [min, max] (max Infinity for variadic). */
  readonly arity: number | readonly [number, number];
  /** The inputs by name, in order (see OperandNames); must agree with `arity`. */
  readonly operands: O;
  readonly attrs: S;
  readonly doc: string;
  /** Result dtype; throws with a message when input dtypes are not accepted. */
  dtype(inputs: readonly DType[], attrs: AttrValues<S>): DType;
  /** Result shape; throws with a message when input shapes are not accepted. */
  shape(inputs: readonly Shape[], attrs: AttrValues<S>): Shape;
  /** Float64 reference implementation; `out` is the already-inferred result type. */
  reference(inputs: readonly RefTensor[], attrs: AttrValues<S>, out: { dtype: DType; shape: readonly number[] }): RefTensor;
  /**
   * Vector-Jacobian product: gradients for each input (null where an input has none, e.g.
   * indices). Non-differentiable ops return all nulls and say so with `differentiable: false`.
   */
  vjp(ctx: VjpContext<AttrValues<S>>): readonly (Node | null)[];
  readonly differentiable: boolean;
  /** Composites: the same computation written with primitive ops. */
  decompose?(inputs: readonly Node[], attrs: AttrValues<S>): Node;
  /** Valid inputs and attributes, for table-driven tests (round trip, gradients, backends). */
  readonly examples: () => readonly OpExample[];
}

const table = new Map<string, OpDef>();

/** Register an entry; the result keeps its literal types (ops.ts collects them into OpTable). */
export function defineOp<const Name extends string, const S extends AttrSchema, const O extends OperandNames>(def: OpDef<Name, S, O>): OpDef<Name, S, O> {
  if (table.has(def.name)) throw new Error(`op '${def.name}' is defined twice`);
  if (def.family === "composite" && !def.decompose) throw new Error(`composite op '${def.name}' needs a decomposition`);
  const err = operandsError(def);
  if (err) throw new Error(`op '${def.name}': ${err}`);
  table.set(def.name, Object.freeze(def));
  return def;
}

/** Why an entry's operand names disagree with its arity (or are malformed), if they do. */
function operandsError(def: OpDef<string, AttrSchema, OperandNames>): string | undefined {
  const names = def.operands;
  const variadic = names.findIndex((n) => n.endsWith("..."));
  if (variadic >= 0 && variadic !== names.length - 1) return "a variadic operand ('name...') must be last";
  const optional = names.findIndex((n) => n.endsWith("?"));
  if (optional >= 0 && names.slice(optional).some((n) => !n.endsWith("?"))) return "optional operands ('name?') must be trailing";
  const required = names.filter((n) => !n.endsWith("?") && !n.endsWith("...")).length;
  const [lo, hi] = arityRange(def);
  const ok = variadic >= 0 ? lo >= required && hi === Infinity : lo === required && hi === names.length;
  return ok ? undefined : `operands [${names.join(", ")}] do not match arity ${JSON.stringify(def.arity)}`;
}

export function getOp(name: string): OpDef {
  const d = table.get(name);
  if (!d) throw new Error(`unknown op '${name}'`);
  return d;
}

export function hasOp(name: string): boolean {
  return table.has(name);
}

export function allOps(): readonly OpDef[] {
  return [...table.values()];
}

export function arityRange(def: Pick<OpDef, "arity">): [number, number] {
  return typeof def.arity === "number" ? [def.arity, def.arity] : [def.arity[0], def.arity[1]];
}
