// The verifier: checks a whole graph against the rules `apply` enforces one node at a time, plus
// the rules that only make sense for a graph (declared leaves, unique names). Nodes built through
// `apply` are well typed when built, but a graph can still go wrong: a node made directly with
// `makeNode`, an op table entry whose rules changed, a leaf used without being declared. Passes
// run it between stages, so its messages name the graph, the node (as the printer labels it) and
// what was expected. For a graph read from text (the parser records where its parts were
// written) they also carry the line and column, as parse errors do.

import { IRError, inferType, resolveAttrs } from "./build.ts";
import type { Graph, Node } from "./graph.ts";
import { formatAttr, topoSort } from "./graph.ts";
import { hasOp, getOp } from "./op.ts";
import { formatDim, formatNode, valueNames } from "./text.ts";
import { MAX_DIM, dimCoef, formatType, shapeEq } from "./types.ts";

/** A place in a text, 1-based. */
export interface TextPos {
  readonly line: number;
  readonly column: number;
}

/** Where the parts of a parsed graph were written. */
export interface GraphPositions {
  readonly name: TextPos;
  /** By output name. */
  readonly outputs: ReadonlyMap<string, TextPos>;
  /** Each node's op, on the first line that built it (equal lines build one interned node). */
  readonly nodes: ReadonlyMap<Node, TextPos>;
}

// Kept beside the graph rather than in it: graphs made by code have no text, and passes make new
// graphs, whose errors then have no position, rightly.
const positions = new WeakMap<Graph, GraphPositions>();

/** Called by the parser for every graph it builds. */
export function recordPositions(graph: Graph, where: GraphPositions): void {
  positions.set(graph, where);
}

export class VerifyError extends Error {
  readonly graph: string;
  /** The message without its position. */
  readonly reason: string;
  /** Where the offending part was written, for a graph parsed from text. */
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(graph: string, reason: string, at?: TextPos) {
    const message = `graph '${graph}': ${reason}`;
    super(at ? `${at.line}:${at.column}: ${message}` : message);
    this.name = "VerifyError";
    this.graph = graph;
    this.reason = reason;
    this.line = at?.line;
    this.column = at?.column;
  }
}

/** Output, input and param names: a letter or '_', then letters, digits, '_' and '.'. */
const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;
/** Graph names may also hold '-': graphs are named after models ("showo-tiny"); the printer quotes them. */
const GRAPH_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function verify(graph: Graph): void {
  const src = positions.get(graph);
  const fail = (reason: string, at?: TextPos): never => {
    throw new VerifyError(graph.name, reason, at);
  };
  const atNode = (n: Node) => src?.nodes.get(n);
  if (!GRAPH_NAME.test(graph.name)) fail(`graph name ${JSON.stringify(graph.name)} must match ${GRAPH_NAME}`, src?.name);

  // Declared leaves: the right op, a valid name, each name once.
  const declared = new Map<string, string>();
  const leaves = new Set<Node>();
  for (const [kind, list] of [["input", graph.inputs], ["param", graph.params]] as const) {
    for (const n of list) {
      if (n.op !== kind) fail(`declared ${kind} is a '${n.op}' node (${n}), not an '${kind}'`, atNode(n));
      const name = n.attrs["name"];
      if (typeof name !== "string" || !NAME.test(name)) fail(`${kind} name ${formatAttr(name ?? null)} must match ${NAME}`, atNode(n));
      const prev = declared.get(name as string);
      if (prev) fail(`${kind} '${name}' is declared twice (already a${prev === "input" ? "n" : ""} ${prev})`, atNode(n));
      declared.set(name as string, kind);
      leaves.add(n);
    }
  }

  const outNames = new Set<string>();
  for (const o of graph.outputs) {
    if (!NAME.test(o.name)) fail(`output name ${JSON.stringify(o.name)} must match ${NAME}`, src?.outputs.get(o.name));
    if (outNames.has(o.name)) fail(`output '${o.name}' is returned twice`, src?.outputs.get(o.name));
    outNames.add(o.name);
  }

  const names = valueNames(graph);
  const describe = (n: Node) => `${names.get(n)} = ${formatNode(n, names)}`;
  for (const n of graph.nodes()) {
    if ((n.op === "input" || n.op === "param") && !leaves.has(n)) {
      const user = graph.outputs.find((o) => topoSort([o.node]).includes(n));
      fail(`${n.op} '${String(n.attrs["name"])}' is used${user ? ` by output '${user.name}'` : ""} but not declared as a graph ${n.op}`, atNode(n));
    }
    // Past MAX_DIM a size is no longer exact, and the printed graph would not parse back.
    const big = n.shape.find((d) => !(dimCoef(d) <= MAX_DIM));
    if (big !== undefined) fail(`${describe(n)}: dimension ${formatDim(big)} exceeds the maximum ${MAX_DIM} (2^53 - 1)`, atNode(n));
    if (!hasOp(n.op)) fail(`${describe(n)}: unknown op '${n.op}'`, atNode(n));
    const def = getOp(n.op);
    try {
      const full = resolveAttrs(def, n.attrs, n.inputs);
      const missing = Object.keys(full).filter((k) => !(k in n.attrs));
      if (missing.length) fail(`${describe(n)}: attribute${missing.length > 1 ? "s" : ""} ${missing.map((k) => `'${k}'`).join(", ")} missing (defaults are filled in when a node is built)`, atNode(n));
      const t = inferType(def, n.inputs, full);
      if (t.dtype !== n.dtype || !shapeEq(t.shape, n.shape)) {
        fail(`${describe(n)}: has type ${formatType(n.dtype, n.shape)} but ${n.op} infers ${formatType(t.dtype, t.shape)}`, atNode(n));
      }
    } catch (e) {
      if (e instanceof IRError) fail(`${describe(n)}: ${e.reason}`, atNode(n));
      throw e;
    }
  }
}
