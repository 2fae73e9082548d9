// The reference interpreter: runs a Graph IR in float64 with each op's reference implementation.
// It is the oracle every pass and backend is tested against, so it favours plainness over speed.

import type { Graph, Node } from "../../compiler/ir/graph.ts";
import { formatLoc } from "../../compiler/ir/graph.ts";
import { getOp } from "../../compiler/ir/ops.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { roundTo } from "../../compiler/ir/ref.ts";
import { bindShape, concreteShape, formatShape, unifyShape } from "../../compiler/ir/types.ts";

export type Bindings = Readonly<Record<string, RefTensor>>;

export interface RunOptions {
  /** Values of symbolic dimensions not determined by the inputs. */
  readonly dims?: Readonly<Record<string, number>>;
  /** Called with every computed node (for debugging and pass tests). */
  readonly onNode?: (node: Node, value: RefTensor) => void;
}

function bindLeaf(node: Node, value: RefTensor | undefined, env: Record<string, number>): RefTensor {
  const kind = node.op;
  const name = node.attrs["name"] as string;
  if (!value) throw new Error(`no value bound for ${kind} '${name}'`);
  if (value.dtype !== node.dtype) throw new Error(`${kind} '${name}': expected dtype ${node.dtype}, got ${value.dtype}`);
  const err = unifyShape(node.shape, value.shape, env);
  if (err) throw new Error(`${kind} '${name}': expected shape ${formatShape(node.shape)}, got ${formatShape(value.shape)} (${err})`);
  // Values are rounded to the declared dtype so an f16 input behaves like f16 storage.
  const data = value.data.map((v) => roundTo(node.dtype, v));
  return { dtype: value.dtype, shape: value.shape, data };
}

/** Evaluate every output of `graph` given inputs and params by name. */
export function run(graph: Graph, inputs: Bindings, params: Bindings = {}, opts: RunOptions = {}): Record<string, RefTensor> {
  const env: Record<string, number> = { ...opts.dims };
  const values = new Map<Node, RefTensor>();
  for (const n of graph.inputs) values.set(n, bindLeaf(n, inputs[n.attrs["name"] as string], env));
  for (const n of graph.params) values.set(n, bindLeaf(n, params[n.attrs["name"] as string], env));
  for (const node of graph.nodes()) {
    if (values.has(node)) continue;
    if (node.op === "input" || node.op === "param") {
      throw new Error(`${node.op} '${node.attrs["name"]}' is used but not declared by graph '${graph.name}'`);
    }
    const def = getOp(node.op);
    const args = node.inputs.map((i) => values.get(i)!);
    const shape = concreteShape(bindShape(node.shape, env), `result of ${node.op}`);
    let out: RefTensor;
    try {
      out = def.reference(args, node.attrs, { dtype: node.dtype, shape });
    } catch (e) {
      throw new Error(`${node.op} at ${formatLoc(node.loc)}: ${(e as Error).message}`, { cause: e });
    }
    if (out.shape.length !== shape.length || out.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`reference of ${node.op} returned shape ${formatShape(out.shape)}, expected ${formatShape(shape)}`);
    }
    values.set(node, out);
    opts.onNode?.(node, out);
  }
  const result: Record<string, RefTensor> = {};
  for (const o of graph.outputs) result[o.name] = values.get(o.node)!;
  return result;
}

/** Evaluate a single node whose leaves are given (handy in tests of one op). */
export function evalNode(node: Node, leaves: ReadonlyMap<Node, RefTensor>): RefTensor {
  const values = new Map(leaves);
  const order: Node[] = [];
  const seen = new Set<Node>();
  const visit = (n: Node) => {
    if (seen.has(n) || values.has(n)) return;
    seen.add(n);
    n.inputs.forEach(visit);
    order.push(n);
  };
  visit(node);
  for (const n of order) {
    if (n.op === "input" || n.op === "param") throw new Error(`no value for ${n.op} '${n.attrs["name"]}'`);
    const shape = concreteShape(n.shape);
    values.set(n, getOp(n.op).reference(n.inputs.map((i) => values.get(i)!), n.attrs, { dtype: n.dtype, shape }));
  }
  return values.get(node)!;
}
