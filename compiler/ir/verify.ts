// The verifier: checks a whole graph against the rules `apply` enforces one node at a time, plus
// the rules that only make sense for a graph (declared leaves, unique names). Nodes built through
// `apply` are well typed when built, but a graph can still go wrong: a node made directly with
// `makeNode`, an op table entry whose rules changed, a leaf used without being declared. Passes
// run it between stages, so its messages name the graph, the node (as the printer labels it) and
// what was expected.

import { IRError, inferType, resolveAttrs } from "./build.ts";
import type { Graph, Node } from "./graph.ts";
import { formatAttr, topoSort } from "./graph.ts";
import { hasOp, getOp } from "./op.ts";
import { formatNode, valueNames } from "./text.ts";
import { formatType, shapeEq } from "./types.ts";

export class VerifyError extends Error {
  readonly graph: string;
  constructor(graph: string, reason: string) {
    super(`graph '${graph}': ${reason}`);
    this.name = "VerifyError";
    this.graph = graph;
  }
}

/** Graph, output, input and param names: a letter or '_', then letters, digits, '_' and '.'. */
const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

export function verify(graph: Graph): void {
  const fail = (reason: string): never => {
    throw new VerifyError(graph.name, reason);
  };
  if (!NAME.test(graph.name)) fail(`graph name ${JSON.stringify(graph.name)} must match ${NAME}`);

  // Declared leaves: the right op, a valid name, each name once.
  const declared = new Map<string, string>();
  const leaves = new Set<Node>();
  for (const [kind, list] of [["input", graph.inputs], ["param", graph.params]] as const) {
    for (const n of list) {
      if (n.op !== kind) fail(`declared ${kind} is a '${n.op}' node (${n}), not an '${kind}'`);
      const name = n.attrs["name"];
      if (typeof name !== "string" || !NAME.test(name)) fail(`${kind} name ${formatAttr(name ?? null)} must match ${NAME}`);
      const prev = declared.get(name as string);
      if (prev) fail(`${kind} '${name}' is declared twice (already a${prev === "input" ? "n" : ""} ${prev})`);
      declared.set(name as string, kind);
      leaves.add(n);
    }
  }

  const outNames = new Set<string>();
  for (const o of graph.outputs) {
    if (!NAME.test(o.name)) fail(`output name ${JSON.stringify(o.name)} must match ${NAME}`);
    if (outNames.has(o.name)) fail(`output '${o.name}' is returned twice`);
    outNames.add(o.name);
  }

  const names = valueNames(graph);
  const describe = (n: Node) => `${names.get(n)} = ${formatNode(n, names)}`;
  for (const n of graph.nodes()) {
    if ((n.op === "input" || n.op === "param") && !leaves.has(n)) {
      const user = graph.outputs.find((o) => topoSort([o.node]).includes(n));
      fail(`${n.op} '${String(n.attrs["name"])}' is used${user ? ` by output '${user.name}'` : ""} but not declared as a graph ${n.op}`);
    }
    if (!hasOp(n.op)) fail(`${describe(n)}: unknown op '${n.op}'`);
    const def = getOp(n.op);
    try {
      const full = resolveAttrs(def, n.attrs, n.inputs);
      const missing = Object.keys(full).filter((k) => !(k in n.attrs));
      if (missing.length) fail(`${describe(n)}: attribute${missing.length > 1 ? "s" : ""} ${missing.map((k) => `'${k}'`).join(", ")} missing (defaults are filled in when a node is built)`);
      const t = inferType(def, n.inputs, full);
      if (t.dtype !== n.dtype || !shapeEq(t.shape, n.shape)) {
        fail(`${describe(n)}: has type ${formatType(n.dtype, n.shape)} but ${n.op} infers ${formatType(t.dtype, t.shape)}`);
      }
    } catch (e) {
      if (e instanceof IRError) fail(`${describe(n)}: ${e.reason}`);
      throw e;
    }
  }
}
