// The pattern driver: every rewrite pass is a list of small rules run here to a fixed point.
//
// A rule looks at one node and returns a replacement node, `null` (not its pattern), or
// `{ noMatch: reason }` (its pattern, but a side condition failed: the reason is reported to a
// why-not observer, as MLIR's notifyMatchFailure). Rules are indexed by the op at their root.
//
// Design note. The driver walks the graph once in topological order. Each node is first rebuilt on
// its already-rewritten inputs through `apply` (interning makes identical rebuilt nodes one node:
// that is CSE), then rules are applied to it until none fires. A replacement is itself rewritten
// before the walk goes on: its new inputs are rewritten first (they are new nodes the walk has not
// seen), then rules run on the replacement. So when a node is done, it and everything below it are
// at a fixed point, and each node of the original graph is visited once. Nodes are immutable, so a
// rewrite can never disturb another graph that shares nodes with this one.

import { apply } from "../ir/build.ts";
import type { GraphOutput } from "../ir/graph.ts";
import { Graph, Node } from "../ir/graph.ts";
import { formatType, shapeEq } from "../ir/types.ts";

export type RuleResult = Node | { readonly noMatch: string } | null;

export interface Rule {
  readonly name: string;
  /** Op name(s) this rule can match at its root; omitted means every op. */
  readonly root?: string | readonly string[];
  /** A replacement with the same dtype and shape, `null` when the pattern does not match. */
  readonly apply: (node: Node) => RuleResult;
}

/** One entry of the rewrite log: `rule` replaced `before` with `after`. */
export interface RewriteEvent {
  readonly rule: string;
  readonly before: Node;
  readonly after: Node;
}

/** A rule whose pattern matched but whose side condition did not hold. */
export interface NoMatchEvent {
  readonly rule: string;
  readonly node: Node;
  readonly reason: string;
}

export interface RewriteOptions {
  /** Called for every rule that fires (the rewrite log). */
  readonly log?: (e: RewriteEvent) => void;
  /** Called with the reason of every `{ noMatch }`. */
  readonly whyNot?: (e: NoMatchEvent) => void;
  /** Rewrites allowed on one node before the driver calls it a loop (default 1000). */
  readonly maxStepsPerNode?: number;
}

/** Rules grouped by root op, keeping the order of the list within each group. */
export class RuleSet {
  readonly rules: readonly Rule[];
  readonly #byOp = new Map<string, readonly Rule[]>();

  constructor(rules: readonly Rule[]) {
    const names = new Set<string>();
    for (const r of rules) {
      if (names.has(r.name)) throw new Error(`rule '${r.name}' appears twice in one rule set`);
      names.add(r.name);
    }
    this.rules = rules;
  }

  for(op: string): readonly Rule[] {
    let list = this.#byOp.get(op);
    if (!list) {
      list = this.rules.filter((r) => r.root === undefined || (typeof r.root === "string" ? r.root === op : r.root.includes(op)));
      this.#byOp.set(op, list);
    }
    return list;
  }
}

/** Replacements whose new inputs are rewritten inside one another, at most (a runaway guard). */
const MAX_NESTING = 256;

const isLeaf = (n: Node) => n.op === "input" || n.op === "param";

/** Rewrite every node of `graph` with `rules` to a fixed point; declarations stay, outputs are mapped. */
export function rewrite(graph: Graph, rules: readonly Rule[] | RuleSet, opts: RewriteOptions = {}): Graph {
  const rw = new Rewriter(rules instanceof RuleSet ? rules : new RuleSet(rules), opts);
  const outputs: GraphOutput[] = graph.outputs.map((o) => ({ name: o.name, node: rw.resolve(o.node) }));
  return new Graph(graph.name, graph.inputs, graph.params, outputs);
}

/** Rewrite a single node (and what it depends on) to a fixed point. */
export function rewriteNode(node: Node, rules: readonly Rule[] | RuleSet, opts: RewriteOptions = {}): Node {
  return new Rewriter(rules instanceof RuleSet ? rules : new RuleSet(rules), opts).resolve(node);
}

class Rewriter {
  readonly #rules: RuleSet;
  readonly #opts: RewriteOptions;
  readonly #maxSteps: number;
  /** Old or intermediate node → its fixed point. Fixed points map to themselves. */
  readonly #done = new Map<Node, Node>();
  /** How many replacements' inputs are being rewritten inside one another. */
  #depth = 0;

  constructor(rules: RuleSet, opts: RewriteOptions) {
    this.#rules = rules;
    this.#opts = opts;
    this.#maxSteps = opts.maxStepsPerNode ?? 1000;
  }

  /** The fixed point of `root`, rewriting whatever below it is not done yet. */
  resolve(root: Node): Node {
    const hit = this.#done.get(root);
    if (hit) return hit;
    for (const n of topoSortUntil(root, this.#done)) this.#finish(n, this.#fix(this.#rebuild(n)));
    return this.#done.get(root)!;
  }

  #finish(n: Node, fixed: Node): void {
    this.#done.set(n, fixed);
    this.#done.set(fixed, fixed);
  }

  /** `n` on the fixed points of its inputs (through `apply`, so identical results intern). */
  #rebuild(n: Node): Node {
    if (n.inputs.length === 0) return n;
    const inputs = n.inputs.map((i) => this.#done.get(i)!);
    return apply(n.op, inputs, n.attrs, n.loc);
  }

  /** Apply rules to `start` (whose inputs are fixed points) until none fires. */
  #fix(start: Node): Node {
    const fixed = this.#done.get(start);
    if (fixed) return fixed;
    let cur = start;
    const fired: string[] = [];
    for (;;) {
      if (isLeaf(cur)) return cur; // declarations are the graph's interface: never rewritten
      let next: Node | undefined;
      for (const rule of this.#rules.for(cur.op)) {
        const r = rule.apply(cur);
        if (r === null || r === cur) continue;
        if (!(r instanceof Node)) {
          this.#opts.whyNot?.({ rule: rule.name, node: cur, reason: r.noMatch });
          continue;
        }
        if (r.dtype !== cur.dtype || !shapeEq(r.shape, cur.shape)) {
          throw new Error(`rule '${rule.name}' replaced ${cur.op} of type ${formatType(cur.dtype, cur.shape)} `
            + `with ${r.op} of type ${formatType(r.dtype, r.shape)}; a rewrite must keep the type`);
        }
        this.#opts.log?.({ rule: rule.name, before: cur, after: r });
        fired.push(rule.name);
        if (fired.length > this.#maxSteps) {
          throw new Error(`rewrite did not reach a fixed point on ${start.op} (${formatType(start.dtype, start.shape)}) `
            + `after ${this.#maxSteps} steps; the last rules to fire were ${fired.slice(-6).join(", ")} `
            + `(rules that undo each other loop forever)`);
        }
        next = r;
        break;
      }
      if (!next) return cur;
      // The replacement's new inputs come first; then the replacement itself is rebuilt and
      // matched again in this loop (not recursively, so a looping rule pair hits the step limit).
      const known = this.#done.get(next);
      if (known) return known;
      if (++this.#depth > MAX_NESTING) {
        throw new Error(`rewrite: replacements nest more than ${MAX_NESTING} deep; rule '${fired[fired.length - 1]!}' `
          + `keeps building new nodes that rules match again`);
      }
      try {
        for (const i of next.inputs) this.resolve(i);
      } finally {
        this.#depth--;
      }
      cur = this.#rebuild(next);
      const again = this.#done.get(cur);
      if (again) return again;
    }
  }
}

/** Topological order of the part of `root`'s graph not yet in `done`. */
function topoSortUntil(root: Node, done: ReadonlyMap<Node, Node>): Node[] {
  // Walk only through nodes not done; a done node's whole subgraph is done.
  const order: Node[] = [];
  const seen = new Set<Node>([root]);
  const stack: [Node, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [n, i] = top;
    if (i < n.inputs.length) {
      top[1] = i + 1;
      const c = n.inputs[i]!;
      if (!seen.has(c) && !done.has(c)) {
        seen.add(c);
        stack.push([c, 0]);
      }
    } else {
      stack.pop();
      order.push(n);
    }
  }
  return order;
}
