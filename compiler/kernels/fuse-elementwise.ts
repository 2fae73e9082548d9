// fuse-elementwise: decide which nodes get a buffer of their own and which are computed inside the
// kernels that read them.
//
// Design note. Every op lowers as a view (index remapping: reshape, permute, broadcast, slice,
// pad, concat, gather...), an inline expression (elementwise math, casts, random numbers), or a
// kernel root (reductions, matmul, conv, normalizations, attention); see lowering.ts.
// A node is *materialized* (written to memory by a kernel) when it is a graph output, a kernel
// root, or an inline node whose value more than one kernel would need (counting consumers through
// views, so `exp(x)` read through two different reshapes is computed once). Everything else is
// fused: kernels build their inputs' values as expressions through chains of inline and view ops
// (producer fusion, which also fuses elementwise prologues into reductions and row kernels).
//
// Consumer fusion into matmul: a matmul whose only consumers are same-shape elementwise ops is
// not stored; the kernel that stores the end of that elementwise region (a chain, or a DAG with
// one exit such as bias + GELU) computes the matmul and applies the region as its epilogue
// (bias, activation, residual in one dispatch).
//
// Builders that read raw memory (matmul, conv) need operands laid out contiguously: an operand
// that is not a chain of reshapes over a materialized tensor is materialized itself.

import type { Graph, Node } from "../ir/graph.ts";
import { users } from "../ir/graph.ts";
import { shapeEq } from "../ir/types.ts";
import { lowering } from "./lowering.ts";

export interface FusionGroup {
  /** The materialized node this kernel writes. */
  readonly root: Node;
  /** The producer's op when there is one, else "elementwise" for an inline/view root, else the kernel op. */
  readonly kind: string;
  /** A matmul computed in this kernel (not stored) whose elementwise chain ends at `root`. */
  readonly producer: Node | undefined;
  /**
   * Graph outputs of root's shape that this elementwise kernel also computes and stores, before
   * the root, which reads them (an optimizer's new moments beside the new weight): one pass over
   * the data instead of one per output.
   */
  readonly siblings?: readonly Node[];
}

export interface Partition {
  readonly graph: Graph;
  /** Nodes with a buffer: leaves, outputs and group roots. */
  readonly materialized: ReadonlySet<Node>;
  /** Kernels in execution order. */
  readonly groups: readonly FusionGroup[];
  /**
   * Tensors computed in place of another (executable state): the key's values are written into
   * the memory of the value, a parameter, by an elementwise kernel that reads it at the same
   * index. Kernels bind the parameter wherever they would bind the key.
   */
  readonly aliases?: ReadonlyMap<Node, Node>;
}

/** Operands that builders read as raw contiguous memory, by op. */
const CONTIGUOUS: Readonly<Record<string, readonly number[]>> = {
  matmul: [0, 1],
  conv2d: [0, 1],
  conv2d_grad_input: [0, 1],
  conv2d_grad_weight: [0, 1],
};

const OUTPUT = Symbol("output");

/** Strip reshapes: the node whose memory a reshape chain views. */
export function reshapeBase(n: Node): Node {
  while (n.op === "reshape") n = n.inputs[0]!;
  return n;
}

export interface PartitionOptions {
  /** Fuse elementwise consumers into matmul epilogues (default true). */
  readonly epilogues?: boolean;
  /**
   * Storage bindings one kernel may have (the device's limit): a kernel whose fused inputs would
   * read more tensors gets part of its region stored by a kernel of its own. Default: no limit.
   */
  readonly maxBindings?: number;
  /** Bindings a tensor takes (its shard count); default 1. */
  readonly bindingsOf?: (n: Node) => number;
  /** Fold an output's kernel into the one later kernel that reads it (default true). */
  readonly siblings?: boolean;
}

export function partition(graph: Graph, opts: PartitionOptions = {}): Partition {
  const nodes = graph.nodes();
  const uses = users(nodes);
  const outputs = new Set(graph.outputs.map((o) => o.node));
  const kind = (n: Node) => lowering(n.op);

  // Which kernels need each node's value: walking users backwards, a materialized user is a
  // kernel of its own; any other user is computed inside the kernels that need *it*. An inline
  // node needed by more than one kernel is materialized (computed once, stored); one needed by a
  // single kernel is computed there, however many times that kernel reads it (the rotary tables
  // that both q and k read inside one attention kernel stay unstored). Views are never stored for
  // this reason: they only remap indices. Contiguous operands that end up unstored are forced
  // and the walk repeats (a fixed point: forcing only ever adds kernels).
  const forced = new Set<Node>();
  let mat = new Set<Node>();
  let producerOf = new Map<Node, Node>();
  // The outer loop re-runs everything when a kernel builder's operands, as finally fused (matmul
  // epilogues formed), would read more tensors than it may bind: one more node is stored.
  for (;;) {
    for (;;) {
      mat = new Set<Node>();
      const need = new Map<Node, Set<Node | typeof OUTPUT>>();
      for (let i = nodes.length - 1; i >= 0; i--) {
        const n = nodes[i]!;
        const k = kind(n);
        if (k === "decompose") throw new Error(`${n.op} must be decomposed before fusion (run lower-composites)`);
        const s = new Set<Node | typeof OUTPUT>();
        if (outputs.has(n)) s.add(OUTPUT);
        for (const u of uses.get(n) ?? []) {
          if (mat.has(u)) s.add(u);
          else for (const x of need.get(u)!) s.add(x);
        }
        need.set(n, s);
        if (k === "leaf" || k === "kernel" || outputs.has(n) || forced.has(n) || (k === "inline" && s.size > 1)) mat.add(n);
      }
      let changed = false;
      if (opts.maxBindings !== undefined) {
        const cut = overBindings(nodes, mat, kind, opts.maxBindings, opts.bindingsOf ?? (() => 1), "inline");
        if (cut) {
          forced.add(cut);
          continue;
        }
      }
      for (const n of nodes) {
        for (const i of CONTIGUOUS[n.op] ?? []) {
          const operand = n.inputs[i]!;
          if (!mat.has(reshapeBase(operand)) && !forced.has(operand)) {
            forced.add(operand);
            changed = true;
          }
        }
      }
      if (!changed) break;
    }

    // Matmul epilogues. The region grows over later same-shape inline nodes that read the matmul
    // or the region directly (not through views); it may branch and rejoin (bias + GELU reads the
    // biased value several times). A member can end the region when every earlier member (the
    // matmul included) is used only inside the region and is not an output: the kernel storing
    // that end then computes them all. The last such end wins.
    producerOf = new Map<Node, Node>();
    const claimed = new Set<Node>(); // nodes inside an accepted region (one fused matmul per kernel)
    if (opts.epilogues !== false) {
      const position = new Map(nodes.map((n, i) => [n, i]));
      for (const m of nodes) {
        if (m.op !== "matmul" || outputs.has(m)) continue;
        const region = new Set<Node>([m]);
        const members: Node[] = [];
        // Members (other than the newest) not yet closed: used outside the region, or outputs.
        const open = new Set<Node>([m]);
        const closes = (x: Node) => !outputs.has(x) && (uses.get(x) ?? []).every((u) => region.has(u));
        let endCount = 0;
        for (let i = position.get(m)! + 1; i < nodes.length && open.size > 0; i++) {
          const n = nodes[i]!;
          if (!n.inputs.some((x) => region.has(x))) continue;
          if (kind(n) !== "inline" || !shapeEq(n.shape, m.shape) || claimed.has(n)) break;
          region.add(n);
          members.push(n);
          for (const x of n.inputs) if (open.has(x) && closes(x)) open.delete(x);
          if (open.size === 0) endCount = members.length;
          if (!closes(n)) open.add(n);
        }
        if (endCount === 0) continue;
        const inner = members.slice(0, endCount - 1), end = members[endCount - 1]!;
        if (producerOf.has(end)) continue;
        if (opts.maxBindings !== undefined && epilogueBindings(m, members.slice(0, endCount), mat, opts.bindingsOf ?? (() => 1)) > opts.maxBindings) continue;
        mat.delete(m);
        for (const x of inner) mat.delete(x); // computed inline by the end's kernel
        mat.add(end);
        producerOf.set(end, m);
        for (const x of members.slice(0, endCount)) claimed.add(x);
      }
    }
    const cut = opts.maxBindings === undefined ? undefined : overBindings(nodes, mat, kind, opts.maxBindings, opts.bindingsOf ?? (() => 1), "kernel");
    if (!cut || forced.has(cut)) break;
    forced.add(cut);
  }

  const groups: FusionGroup[] = [];
  for (const n of nodes) {
    if (!mat.has(n) || kind(n) === "leaf") continue;
    const producer = producerOf.get(n);
    groups.push({ root: n, kind: producer ? producer.op : kind(n) === "kernel" ? n.op : "elementwise", producer });
  }
  return { graph, materialized: mat, groups: opts.siblings === false ? groups : withSiblings(groups, mat, uses, outputs, kind, opts) };
}

/**
 * Elementwise kernels that store a graph output read only by one later elementwise kernel of the
 * same shape, and only at that kernel's own index (through same-shape inline ops), are folded
 * into it: the later kernel computes and stores the output first, then uses the value it holds.
 */
function withSiblings(groups: FusionGroup[], mat: ReadonlySet<Node>, uses: ReadonlyMap<Node, readonly Node[]>, outputs: ReadonlySet<Node>, kind: (n: Node) => string, opts: PartitionOptions): FusionGroup[] {
  const elementwise = (g: FusionGroup) => g.kind === "elementwise" && !g.producer;
  const groupOf = new Map<Node, FusionGroup>(groups.map((g) => [g.root, g]));
  // The kernel whose fused region reads n (unstored consumers are computed inside their kernel).
  const kernelsReading = (n: Node): Set<Node> => {
    const out = new Set<Node>();
    const walk = (x: Node) => {
      for (const u of uses.get(x) ?? []) {
        if (mat.has(u)) out.add(u);
        else walk(u);
      }
    };
    walk(n);
    return out;
  };
  /** Every unstored node between `from` and `x` is an inline op of x's shape. */
  const sameIndex = (from: Node, x: Node): boolean => {
    let ok = true;
    const seen = new Map<Node, boolean>();
    const visit = (n: Node): boolean => {
      const known = seen.get(n);
      if (known !== undefined) return known;
      let r = false;
      for (const i of n.inputs) if (i === x || (!mat.has(i) && visit(i))) r = true;
      seen.set(n, r);
      if (r && n !== from && (kind(n) !== "inline" || !shapeEq(n.shape, x.shape))) ok = false;
      if (r && n === from && kind(n) !== "inline") ok = false;
      return r;
    };
    visit(from);
    return ok;
  };
  // The stored tensors each node's fused computation reads.
  const reads = new Map<Node, Set<Node>>();
  const readsOf = (n: Node): Set<Node> => {
    let r = reads.get(n);
    if (r) return r;
    r = new Set<Node>();
    for (const i of n.inputs) {
      if (mat.has(i)) r.add(i);
      else for (const x of readsOf(i)) r.add(x);
    }
    reads.set(n, r);
    return r;
  };
  const shardsOf = opts.bindingsOf ?? (() => 1);
  /** Bindings of a kernel storing `sibs` and then `root`: everything their regions read, and what they store. */
  const bindingsOf = (sibs: readonly Node[], root: Node): number => {
    const all = new Set<Node>();
    for (const n of [...sibs, root]) for (const x of readsOf(n)) all.add(x);
    for (const n of [...sibs, root]) all.add(n);
    return [...all].reduce((a, x) => a + shardsOf(x), 0);
  };
  const absorbed = new Set<Node>();
  const siblings = new Map<Node, Node[]>();
  for (const g of groups) {
    if (!elementwise(g) || !outputs.has(g.root)) continue;
    const readers = kernelsReading(g.root);
    if (readers.size !== 1) continue;
    const target = [...readers][0]!;
    const tg = groupOf.get(target);
    if (!tg || !elementwise(tg) || absorbed.has(target) || !shapeEq(target.shape, g.root.shape) || !sameIndex(target, g.root)) continue;
    // g's own siblings (outputs folded into g earlier) move along with it, ahead of it.
    const carried = [...(siblings.get(g.root) ?? []), g.root];
    const list = siblings.get(target) ?? [];
    if (opts.maxBindings !== undefined && bindingsOf([...list, ...carried], target) > opts.maxBindings) continue;
    list.push(...carried);
    siblings.set(target, list);
    siblings.delete(g.root);
    absorbed.add(g.root);
  }
  if (absorbed.size === 0) return groups;
  return groups.filter((g) => !absorbed.has(g.root)).map((g) => {
    const sib = siblings.get(g.root);
    return sib ? { ...g, siblings: sib } : g;
  });
}

/**
 * A node to store so that no kernel reads more tensors than it may bind, or undefined when every
 * kernel fits. A kernel reads the stored tensors its fused region reaches; when one reads too many
 * (the sum of a few dozen per-parameter norms, say), the unstored node of its region that reads the
 * most while still fitting in one kernel is stored, and the caller repeats.
 */
function overBindings(nodes: readonly Node[], mat: ReadonlySet<Node>, kind: (n: Node) => string, max: number, bindingsOf: (n: Node) => number, roots: "inline" | "kernel"): Node | undefined {
  const reads = new Map<Node, Set<Node>>();
  const weight = (s: ReadonlySet<Node>) => [...s].reduce((a, x) => a + bindingsOf(x), 0);
  for (const n of nodes) {
    if (kind(n) === "leaf") continue;
    const s = new Set<Node>();
    for (const i of n.inputs) {
      if (mat.has(i)) s.add(i);
      else for (const x of reads.get(i) ?? []) s.add(x);
    }
    reads.set(n, s);
  }
  // Elementwise kernels (`roots` "inline"), or kernel builders whose operands are fused regions
  // (`roots` "kernel": attention reading q and k through the rotary embedding; a builder binds the
  // stored tensors its operands reach and its result). The matmul builder splits its launches over
  // a sharded result itself.
  for (const n of nodes) {
    if (!mat.has(n)) continue;
    const k = kind(n);
    if (k !== roots || n.op === "matmul") continue;
    if (weight(reads.get(n)!) + bindingsOf(n) <= max) continue;
    // The unstored nodes of n's region, and the best one to store.
    let best: Node | undefined, bestWeight = 1;
    const stack = n.inputs.filter((i) => !mat.has(i));
    const seen = new Set<Node>();
    while (stack.length) {
      const x = stack.pop()!;
      if (seen.has(x) || kind(x) === "leaf") continue;
      seen.add(x);
      const w = weight(reads.get(x)!);
      if (w + bindingsOf(x) <= max && w > bestWeight) {
        best = x;
        bestWeight = w;
      }
      for (const i of x.inputs) if (!mat.has(i)) stack.push(i);
    }
    if (best) return best;
  }
  return undefined;
}

/**
 * Bindings of the kernel computing matmul `m` with its epilogue `members`: what they read, plus
 * the end. The end counts as one binding however many shards it has: a result split across
 * bindings is written by launches of whole output rows that each bind one shard of it
 * (builders/matmul.ts, matmulLaunches), so the split never forces the epilogue out into a kernel
 * that would bind every shard twice (read and write).
 */
function epilogueBindings(m: Node, members: readonly Node[], mat: ReadonlySet<Node>, bindingsOf: (n: Node) => number): number {
  const region = new Set<Node>([m, ...members]);
  const reads = new Set<Node>();
  const visit = (x: Node, seen: Set<Node>) => {
    if (seen.has(x)) return;
    seen.add(x);
    for (const i of x.inputs) {
      if (region.has(i)) continue;
      if (mat.has(reshapeBase(i)) || mat.has(i)) reads.add(mat.has(i) ? i : reshapeBase(i));
      else visit(i, seen);
    }
  };
  const seen = new Set<Node>();
  for (const x of region) visit(x, seen);
  const end = members[members.length - 1]!;
  return [...reads].reduce((a, x) => a + bindingsOf(x), 0) + Math.min(1, bindingsOf(end));
}
