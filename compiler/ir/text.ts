// The Graph IR as text: the printer. `parse.ts` reads the same form back, and
// `print(parse(text)) === text` holds for anything printed here.
//
//   graph phi_block {
//     %x = input {dtype: "f32", name: "x", shape: ["B", 16, 64]} : f32[B, 16, 64]
//     %0 = mul(%x, %x) : f32[B, 16, 64]
//     %1 = sum(%0) {axes: [2], keepdims: false} : f32[B, 16]
//     return {y: %1, z: %0}
//   }
//
// One line per node, in the order of `Graph.nodes()`: declared inputs, then declared params, then
// the rest in topological order. Inputs and params are labelled by their name (%x); every other
// node is numbered (%0, %1, ...). A line is `LABEL = OP(ARGS) {ATTRS} : TYPE`, where the argument
// list is left out for ops without inputs and the attribute record when there are no attributes.
// Attributes are the node's full attributes (defaults included) in `formatAttrs` form, so the text
// is canonical: equal graphs print equal text.

import type { Graph, Node } from "./graph.ts";
import { formatAttrs } from "./graph.ts";
import type { DType, Dim, Shape } from "./types.ts";

/** Names that print bare (graph names, output names, labels); anything else is JSON-quoted. */
const BARE = /^[A-Za-z_][A-Za-z0-9_.]*$/;

export function formatName(name: string): string {
  return BARE.test(name) ? name : JSON.stringify(name);
}

/**
 * The label of every node of the graph, with its `%`. Inputs and params take their name unless
 * another node took it first (two leaves with one name: the later one is numbered instead).
 */
export function valueNames(graph: Graph): Map<Node, string> {
  const names = new Map<Node, string>();
  const taken = new Set<string>();
  let next = 0;
  for (const n of graph.nodes()) {
    const name = n.attrs["name"];
    if ((n.op === "input" || n.op === "param") && typeof name === "string" && BARE.test(name) && !taken.has(name)) {
      taken.add(name);
      names.set(n, `%${name}`);
    } else {
      names.set(n, `%${next++}`);
    }
  }
  return names;
}

/**
 * A dimension as the parser reads it: integers in plain digits. `String` writes 1e21 and up as
 * `1e+21`, which is no dimension at all; in digits, a dimension past MAX_DIM is at least refused
 * for its size (the verifier reports it before anything prints it, for graphs that are checked).
 */
export function formatDim(d: Dim): string {
  return String(d).split("*").map((part) => {
    const n = Number(part);
    return Number.isInteger(n) && !/^-?\d+$/.test(part) ? BigInt(n).toString() : part;
  }).join("*");
}

/** `f32[B, 16]`, with `formatDim`'s dimensions. */
export function formatTypeText(dtype: DType, shape: Shape): string {
  return `${dtype}[${shape.map(formatDim).join(", ")}]`;
}

/** The right-hand side of a node's line: `op(%a, %b) {attrs} : type`. */
export function formatNode(n: Node, names: ReadonlyMap<Node, string>): string {
  const parts = [n.inputs.length ? `${n.op}(${n.inputs.map((i) => names.get(i) ?? "%?").join(", ")})` : n.op];
  const attrs = formatAttrs(n.attrs);
  if (attrs) parts.push(attrs);
  parts.push(":", formatTypeText(n.dtype, n.shape));
  return parts.join(" ");
}

export function print(graph: Graph): string {
  const names = valueNames(graph);
  const lines = [`graph ${formatName(graph.name)} {`];
  for (const n of graph.nodes()) lines.push(`  ${names.get(n)!} = ${formatNode(n, names)}`);
  lines.push(`  return {${graph.outputs.map((o) => `${formatName(o.name)}: ${names.get(o.node)!}`).join(", ")}}`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** Several graphs in one text, separated by blank lines. */
export function printModule(graphs: readonly Graph[]): string {
  return graphs.map(print).join("\n");
}
