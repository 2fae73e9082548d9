// The Graph IR: immutable, interned nodes and graphs of them.
//
// A node is an op applied to input nodes with attributes; it carries its dtype and shape. Nodes are
// hash-consed: building the same (op, attrs, inputs, type) twice returns the same object, so
// equality is identity and common subexpressions merge as they are built. Leaves are `input` and
// `param` nodes (named by their `name` attribute) and constants.

import type { DType, Shape } from "./types.ts";
import { formatType, dim } from "./types.ts";

export type AttrValue = number | string | boolean | null | readonly AttrValue[] | { readonly [k: string]: AttrValue };
export type Attrs = { readonly [k: string]: AttrValue };

/** Where a node was made in model code, for error messages ("models/showo.ts:120:7"). */
export interface SourceLoc {
  file: string;
  line: number;
  col: number;
}

export function formatLoc(loc: SourceLoc | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.col}` : "<unknown location>";
}

let nextId = 0;

export class Node {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly Node[];
  readonly attrs: Attrs;
  readonly dtype: DType;
  readonly shape: Shape;
  /** The first place this node was built; not part of its identity. */
  readonly loc: SourceLoc | undefined;
  /** Interning key; equal keys mean the same node. */
  readonly key: string;

  constructor(key: string, op: string, inputs: readonly Node[], attrs: Attrs, dtype: DType, shape: Shape, loc: SourceLoc | undefined) {
    this.id = nextId++;
    this.key = key;
    this.op = op;
    this.inputs = Object.freeze([...inputs]);
    this.attrs = attrs;
    this.dtype = dtype;
    this.shape = Object.freeze(shape.map(dim));
    this.loc = loc;
    Object.freeze(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.op}#${this.id}: ${formatType(this.dtype, this.shape)}`;
  }
}

/** Canonical text of an attribute value: sorted keys, exact numbers. Also the printer's format. */
export function formatAttr(v: AttrValue): string {
  if (v === null) return "null";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "nan";
    if (v === Infinity) return "inf";
    if (v === -Infinity) return "-inf";
    return Object.is(v, -0) ? "-0" : String(v);
  }
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(formatAttr).join(", ")}]`;
  const o = v as { readonly [k: string]: AttrValue };
  return `{${Object.keys(o).sort().map((k) => `${k}: ${formatAttr(o[k]!)}`).join(", ")}}`;
}

export function formatAttrs(attrs: Attrs): string {
  const keys = Object.keys(attrs).sort();
  return keys.length ? `{${keys.map((k) => `${k}: ${formatAttr(attrs[k]!)}`).join(", ")}}` : "";
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

// Weak values: a node lives while anything uses it, and building it again afterwards gives an
// equal (but new) node. Nothing compares nodes across that gap, so identity stays a sound test.
const internTable = new Map<string, WeakRef<Node>>();
const finalizer = new FinalizationRegistry<string>((key) => {
  const ref = internTable.get(key);
  if (ref && ref.deref() === undefined) internTable.delete(key);
});

/**
 * The one constructor of nodes. It does no type checking: `apply` in build.ts infers the type
 * from the op table and calls this; the verifier re-checks whole graphs.
 */
export function makeNode(op: string, inputs: readonly Node[], attrs: Attrs, dtype: DType, shape: Shape, loc?: SourceLoc): Node {
  const key = `${op}${formatAttrs(attrs)}(${inputs.map((n) => n.id).join(",")}):${formatType(dtype, shape.map(dim))}`;
  const hit = internTable.get(key)?.deref();
  if (hit) return hit;
  const node = new Node(key, op, inputs, deepFreeze({ ...attrs }), dtype, shape, loc);
  internTable.set(key, new WeakRef(node));
  finalizer.register(node, key);
  return node;
}

export interface GraphOutput {
  readonly name: string;
  readonly node: Node;
}

/** A dataflow graph: named inputs, named parameters, named outputs. Immutable. */
export class Graph {
  readonly name: string;
  readonly inputs: readonly Node[];
  readonly params: readonly Node[];
  readonly outputs: readonly GraphOutput[];
  #order: readonly Node[] | undefined;

  constructor(name: string, inputs: readonly Node[], params: readonly Node[], outputs: readonly GraphOutput[]) {
    this.name = name;
    this.inputs = Object.freeze([...inputs]);
    this.params = Object.freeze([...params]);
    this.outputs = Object.freeze(outputs.map((o) => Object.freeze({ ...o })));
  }

  /** Every node reachable from the outputs plus the declared leaves, inputs before users. */
  nodes(): readonly Node[] {
    if (!this.#order) this.#order = Object.freeze(topoSort([...this.inputs, ...this.params, ...this.outputs.map((o) => o.node)]));
    return this.#order;
  }

  output(name: string): Node {
    const o = this.outputs.find((x) => x.name === name);
    if (!o) throw new Error(`graph '${this.name}' has no output '${name}' (outputs: ${this.outputs.map((x) => x.name).join(", ")})`);
    return o.node;
  }

  /** The same graph with new outputs (for passes that rewrite the dataflow). */
  withOutputs(outputs: readonly GraphOutput[]): Graph {
    return new Graph(this.name, this.inputs, this.params, outputs);
  }
}

/** Topological order of everything reachable from `roots`, iteratively (graphs can be deep). */
export function topoSort(roots: readonly Node[]): Node[] {
  const order: Node[] = [];
  const state = new Map<Node, 1 | 2>();
  for (const root of roots) {
    if (state.has(root)) continue;
    const stack: [Node, number][] = [[root, 0]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [n, i] = top;
      if (i < n.inputs.length) {
        top[1] = i + 1;
        const c = n.inputs[i]!;
        if (!state.has(c)) {
          state.set(c, 1);
          stack.push([c, 0]);
        }
      } else {
        stack.pop();
        state.set(n, 2);
        order.push(n);
      }
    }
  }
  return order;
}

/** Users of each node within a graph. */
export function users(nodes: readonly Node[]): Map<Node, Node[]> {
  const u = new Map<Node, Node[]>();
  for (const n of nodes) for (const i of n.inputs) {
    const list = u.get(i);
    if (list) list.push(n);
    else u.set(i, [n]);
  }
  return u;
}
