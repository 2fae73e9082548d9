// Tracing: run model code on symbolic tensors and collect the Graph it builds.
//
// `trace` makes one `input` node per declared input, calls the model function, and gathers every
// `param` node reachable from the outputs as the graph's parameters (sorted by name, so a graph's
// parameter list does not depend on the order forward happened to touch them).

import { apply } from "../ir/build.ts";
import type { Node } from "../ir/graph.ts";
import { Graph, topoSort } from "../ir/graph.ts";
import type { DType, Shape } from "../ir/types.ts";
import { formatType } from "../ir/types.ts";
import { attrsOf } from "../ir/view.ts";
import { callerLoc } from "./loc.ts";
import { Tensor } from "./tensor.ts";

export interface InputSpec {
  readonly dtype: DType;
  readonly shape: Shape;
}

export type Traced = Record<string, Tensor> | Tensor;

/**
 * Trace `fn` into a graph named `name`. A single returned tensor becomes the output "out"; a
 * record's keys name the outputs, in the record's order.
 */
export function trace<I extends Record<string, InputSpec>>(
  name: string,
  inputs: I,
  fn: (inputs: { [K in keyof I]: Tensor }) => Traced,
): Graph {
  const loc = callerLoc();
  const nodes: Node[] = [];
  const args: Record<string, Tensor> = {};
  for (const [k, spec] of Object.entries(inputs)) {
    const n = apply("input", [], { name: k, dtype: spec.dtype, shape: [...spec.shape] }, loc);
    nodes.push(n);
    args[k] = new Tensor(n);
  }
  const result = fn(args as { [K in keyof I]: Tensor });
  const outputs = result instanceof Tensor ? [{ name: "out", node: result.node }] : Object.entries(result).map(([k, t]) => ({ name: k, node: t.node }));
  if (outputs.length === 0) throw new Error(`trace '${name}': the model function returned no outputs`);

  const declared = new Set(nodes);
  const params = new Map<string, Node>();
  for (const n of topoSort(outputs.map((o) => o.node))) {
    if (n.op === "input" && !declared.has(n)) {
      throw new Error(`trace '${name}': input '${n.attrs["name"]}' is used but not declared (declared: ${Object.keys(inputs).join(", ")})`);
    }
    if (n.op !== "param") continue;
    const pname = attrsOf(n, "param").name;
    const prev = params.get(pname);
    if (prev && prev !== n) {
      throw new Error(`trace '${name}': parameter '${pname}' is declared as both ${formatType(prev.dtype, prev.shape)} and ${formatType(n.dtype, n.shape)}`);
    }
    if (pname in inputs) throw new Error(`trace '${name}': '${pname}' names both an input and a parameter`);
    params.set(pname, n);
  }
  const sorted = [...params.keys()].sort().map((k) => params.get(k)!);
  return new Graph(name, nodes, sorted, outputs);
}
