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

export interface VjpContext {
  readonly inputs: readonly Node[];
  readonly out: Node;
  /** Gradient of the loss with respect to `out`, same shape and dtype. */
  readonly grad: Node;
  readonly attrs: Attrs;
}

export interface OpDef {
  readonly name: string;
  readonly family: OpFamily;
  /** Exact count, or [min, max] (max Infinity for variadic). */
  readonly arity: number | readonly [number, number];
  readonly attrs: { readonly [name: string]: AttrSpec };
  readonly doc: string;
  /** Result dtype; throws with a message when input dtypes are not accepted. */
  readonly dtype: (inputs: readonly DType[], attrs: Attrs) => DType;
  /** Result shape; throws with a message when input shapes are not accepted. */
  readonly shape: (inputs: readonly Shape[], attrs: Attrs) => Shape;
  /** Float64 reference implementation; `out` is the already-inferred result type. */
  readonly reference: (inputs: readonly RefTensor[], attrs: Attrs, out: { dtype: DType; shape: readonly number[] }) => RefTensor;
  /**
   * Vector-Jacobian product: gradients for each input (null where an input has none, e.g.
   * indices). Non-differentiable ops return all nulls and say so with `differentiable: false`.
   */
  readonly vjp: (ctx: VjpContext) => readonly (Node | null)[];
  readonly differentiable: boolean;
  /** Composites: the same computation written with primitive ops. */
  readonly decompose?: (inputs: readonly Node[], attrs: Attrs) => Node;
  /** Valid inputs and attributes, for table-driven tests (round trip, gradients, backends). */
  readonly examples: () => readonly OpExample[];
}

const table = new Map<string, OpDef>();

export function defineOp(def: OpDef): OpDef {
  if (table.has(def.name)) throw new Error(`op '${def.name}' is defined twice`);
  if (def.family === "composite" && !def.decompose) throw new Error(`composite op '${def.name}' needs a decomposition`);
  table.set(def.name, Object.freeze(def));
  return def;
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

export function arityRange(def: OpDef): [number, number] {
  return typeof def.arity === "number" ? [def.arity, def.arity] : [def.arity[0], def.arity[1]];
}
