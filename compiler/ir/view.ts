// Typed views of a node through its op table entry: `attrsOf(node, "attention").scale` and
// `operandsOf(node, "attention_qknorm").segments` instead of casting `node.attrs["scale"]` and
// `node.inputs[8]`. The entry's attribute schema and operand names (op.ts) give the types; apply
// checked the node's attributes against that schema when it was built, so the view is sound.
//
// `attrsOf(node, op)` and `operandsOf(node, op)` check that node is a `op` node (or one of the
// ops named) and throw otherwise; `isOp(node, ...ops)` narrows a node to an `OpNode` whose
// `attrs` are typed, after which `attrsOf(node)` and `operandsOf(node)` need no name.

import type { Node } from "./graph.ts";
import type { AttrValues, OperandView } from "./op.ts";
import { getOp } from "./op.ts";
import type { OpName, OpTable } from "./ops.ts";

export type { OpName, OpTable } from "./ops.ts";

/** The resolved attributes of an `op` node. */
export type AttrsOf<K extends OpName> = K extends OpName ? AttrValues<OpTable[K]["attrs"]> : never;
/** The inputs of an `op` node by name. */
export type OperandsOf<K extends OpName> = K extends OpName ? OperandView<OpTable[K]["operands"]> : never;

/** A node known to be an `op` node (a union of ops gives a union of nodes). */
export type OpNode<K extends OpName = OpName> = K extends OpName ? Node & { readonly op: K; readonly attrs: AttrsOf<K> } : never;

/** Whether `n` is a node of one of `ops`; narrows it so its attributes are typed. */
export function isOp<K extends OpName>(n: Node, ...ops: readonly K[]): n is OpNode<K> {
  return (ops as readonly string[]).includes(n.op);
}

function expect(n: Node, ops: readonly string[], what: string): void {
  if (ops.length && !ops.includes(n.op)) throw new Error(`internal: ${what} of a ${n.op} node, expected ${ops.join(" or ")}`);
}

/** The attributes of `n`, typed by its entry's schema; with ops named, checks `n` is one of them. */
export function attrsOf<K extends OpName>(n: OpNode<K>): AttrsOf<K>;
export function attrsOf<K extends OpName>(n: Node, ...ops: readonly [K, ...K[]]): AttrsOf<K>;
export function attrsOf(n: Node, ...ops: readonly string[]): unknown {
  expect(n, ops, "attrsOf");
  return n.attrs;
}

/** The inputs of `n` by its entry's operand names; with ops named, checks `n` is one of them. */
export function operandsOf<K extends OpName>(n: OpNode<K>): OperandsOf<K>;
export function operandsOf<K extends OpName>(n: Node, ...ops: readonly [K, ...K[]]): OperandsOf<K>;
export function operandsOf(n: Node, ...ops: readonly string[]): unknown {
  expect(n, ops, "operandsOf");
  return operandView(getOp(n.op).operands, n.inputs);
}

/** Inputs by operand name: required and optional names take one input each, "xs..." the rest. */
function operandView(names: readonly string[], inputs: readonly Node[]): Record<string, Node | readonly Node[] | undefined> {
  const view: Record<string, Node | readonly Node[] | undefined> = {};
  names.forEach((name, i) => {
    if (name.endsWith("...")) view[name.slice(0, -3)] = inputs.slice(i);
    else view[name.endsWith("?") ? name.slice(0, -1) : name] = inputs[i];
  });
  return view;
}
