// plan-memory: give every tensor of an executable a fixed place (arena, byte offset, byte size)
// before anything runs (principle 7: memory is planned, not pooled by luck).
//
// Design note. Shapes are static per executable and the launch list is a straight line, so
// liveness is exact and the whole plan is computed once at compile time:
//
//   * What is planned: every shard of every tensor a launch binds, plus the graph's inputs, params
//     and outputs. A tensor larger than one binding was already split into row shards by
//     `shardPlan` (kernels/target.ts); each shard is planned on its own, so each binding is one
//     contiguous (arena, offset, size) range.
//   * Three kinds of arena, an arena being one GPU buffer of at most `caps.maxBindingBytes`:
//       weights      params, uploaded once by setParams and kept; never reused.
//       inputs       graph inputs, uploaded before every run; live for the whole run.
//       activations  everything kernels write, reused by liveness.
//     Weights and inputs are bin-packed first-fit decreasing: largest first, each appended to the
//     first arena with room, a new arena when none has.
//   * Liveness of an activation, in launch indices: from the first launch that binds it (the one
//     that writes it) to the last launch that binds it, both inclusive; a graph output lives to the
//     end (index = launch count, where it is read back). Intervals are closed, so a tensor a launch
//     reads and a tensor the same launch writes are live together and never share bytes (WebGPU
//     also forbids a writable binding overlapping another binding of one dispatch).
//   * Placement is "greedy by size" with best fit (the offline heuristic of TFLite's arena planner;
//     Pisarchyk & Lee, "Efficient Memory Management for Deep Neural Net Inference", 2020): shards
//     are taken largest first (ties: earlier first use, then launch order). For each shard and each
//     activation arena, collect the shards already placed there whose intervals overlap, sorted by
//     offset; the free gaps between them (starts rounded up to the alignment) are candidates and
//     the smallest gap that fits wins; otherwise the shard goes above the highest overlapping one
//     if that stays within the arena limit. Across arenas the candidate that grows its arena least
//     wins (a gap grows nothing; ties go to the earlier arena); a new arena opens when none can
//     take it. Arenas holding a conflicting tensor (below) are not tried.
//     Large tensors placed first carve the layout and small short-lived ones fill the holes. The
//     lower bound is the largest sum of live bytes at any launch (`peak`); without the conflict
//     rule below this reaches it on a Phi block (12 MiB at B=2, L=128), with it the arenas hold
//     16 MiB. Cost is O(n²) in the number of shards: a 4,000-launch chain plans in about 0.3 s.
//   * WebGPU validates usage per buffer, not per range: within one dispatch a buffer bound writable
//     may not also be bound read-only, even at disjoint offsets (several writable ranges of one
//     buffer are allowed). So a tensor a launch writes never shares an arena with a tensor the same
//     launch reads: those pairs "conflict", and an arena holding a conflicting tensor is skipped
//     whatever the liveness. A chain a→b→c→d therefore ping-pongs between two arenas (a and c in
//     one, b and d in the other), and reuse happens within each arena.
//   * Every offset is a multiple of `alignment` (256: WebGPU's minStorageBufferOffsetAlignment),
//     every size a multiple of 4 (a binding's size must be), and no range crosses its arena's end.
//
// Planned memory is not zeroed and holds stale data from earlier tensors: a kernel must write every
// element of what it produces before anything reads it.

import type { Node } from "../ir/graph.ts";
import { concreteShape, formatType } from "../ir/types.ts";
import type { Access, ElemType } from "../kernels/kernel-ir.ts";
import type { TargetCaps } from "../kernels/target.ts";
import { elemBytes, shardPlan } from "../kernels/target.ts";

/** WebGPU's minStorageBufferOffsetAlignment; every planned offset is a multiple of it. */
export const PLAN_ALIGNMENT = 256;

export type ArenaKind = "weights" | "inputs" | "activations";

/** One GPU buffer of the plan. */
export interface Arena {
  readonly index: number;
  readonly kind: ArenaKind;
  /** Bytes the buffer needs: the end of its last range (a multiple of 4, ≤ maxBindingBytes). */
  readonly bytes: number;
}

/** Where one shard of one tensor lives. */
export interface Placement {
  readonly node: Node;
  /** A readable, run-independent name: the input/param name, or `op.k` (k = order of first use). */
  readonly label: string;
  /** The graph output names this tensor is, if any. */
  readonly outputs: readonly string[];
  readonly shard: number;
  readonly shards: number;
  readonly kind: ArenaKind;
  readonly arena: number;
  /** Byte offset in the arena, a multiple of the plan's alignment. */
  readonly offset: number;
  /** Binding size: the shard's bytes rounded up to 4. */
  readonly bytes: number;
  readonly elem: ElemType;
  readonly elems: number;
  /** Live from launch `first` to launch `last` inclusive (-1: uploaded before the run; launch count: read after it). */
  readonly first: number;
  readonly last: number;
}

export interface PlanBytes {
  readonly weights: number;
  readonly inputs: number;
  readonly activations: number;
  readonly total: number;
}

export interface MemoryPlan {
  readonly alignment: number;
  readonly maxBindingBytes: number;
  readonly launches: number;
  readonly arenas: readonly Arena[];
  /** Weights, inputs, then activations in first-use order; shards of a tensor together. */
  readonly placements: readonly Placement[];
  /** Placements of each tensor, by shard. */
  readonly byNode: ReadonlyMap<Node, readonly Placement[]>;
  /** Bytes held by the arenas of each kind. */
  readonly arenaBytes: PlanBytes;
  /**
   * Live bytes at the busiest launch: for activations the lower bound any placement could reach
   * (compare with arenaBytes.activations); weights and inputs are live throughout.
   */
  readonly peak: PlanBytes;
  /** The launch where live activations peak. */
  readonly peakLaunch: number;
}

/** What the planner needs of a launch: which tensor shards its bindings hold, and how. */
export interface LaunchTensors {
  readonly tensors: readonly { readonly node: Node; readonly shard: number; readonly access: Access }[];
}

/** What the planner needs of a graph. */
export interface PlanGraph {
  readonly inputs: readonly Node[];
  readonly params: readonly Node[];
  readonly outputs: readonly { readonly name: string; readonly node: Node }[];
}

export interface PlanOptions {
  /** Offset alignment in bytes (default 256). */
  readonly alignment?: number;
  /**
   * Executable state: outputs copied over parameters by launches of the list. Such an output lives
   * only to its copy (it is not read back), and only the copies may write those parameters.
   */
  readonly stateOutputs?: ReadonlySet<Node>;
  readonly stateParams?: ReadonlySet<Node>;
  /**
   * Parameters written in place by the kernels of their state outputs (those outputs have no
   * memory of their own). They get weights arenas of their own: a kernel writing one binds its
   * arena writable, and WebGPU forbids binding that buffer read-only in the same dispatch.
   */
  readonly inPlace?: ReadonlySet<Node>;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

interface Item {
  node: Node;
  label: string;
  outputs: string[];
  shard: number;
  shards: number;
  kind: ArenaKind;
  elem: ElemType;
  elems: number;
  bytes: number;
  first: number;
  last: number;
  order: number;
  arena: number;
  offset: number;
}

export function planMemory(graph: PlanGraph, launches: readonly LaunchTensors[], caps: TargetCaps, opts: PlanOptions = {}): MemoryPlan {
  const alignment = opts.alignment ?? PLAN_ALIGNMENT;
  const cap = caps.maxBindingBytes;
  const end = launches.length;
  if (!Number.isInteger(alignment) || alignment < 4 || alignment % 4 !== 0) throw new Error(`plan-memory: alignment must be a positive multiple of 4, got ${alignment}`);

  const params = new Set(graph.params);
  const inputs = new Set(graph.inputs);
  const outputNames = new Map<Node, string[]>();
  for (const o of graph.outputs) {
    const list = outputNames.get(o.node);
    if (list) list.push(o.name);
    else outputNames.set(o.node, [o.name]);
  }
  const kindOf = (n: Node): ArenaKind => (params.has(n) ? "weights" : inputs.has(n) ? "inputs" : "activations");

  // Liveness of every bound tensor, per node (all shards of a tensor share it).
  const first = new Map<Node, number>();
  const last = new Map<Node, number>();
  launches.forEach((l, k) => {
    for (const t of l.tensors) {
      if (!first.has(t.node)) first.set(t.node, k);
      last.set(t.node, k);
    }
  });

  // Tensors in a deterministic order: params, inputs, then activations by first use.
  const order: Node[] = [];
  const seen = new Set<Node>();
  const add = (n: Node) => {
    if (!seen.has(n)) {
      seen.add(n);
      order.push(n);
    }
  };
  graph.params.forEach(add);
  graph.inputs.forEach(add);
  const acts = [...first.keys()].filter((n) => kindOf(n) === "activations");
  acts.forEach(add);
  for (const o of graph.outputs) {
    if (opts.stateOutputs?.has(o.node) && !first.has(o.node)) continue; // computed in place of its parameter
    if (kindOf(o.node) === "activations" && !first.has(o.node)) {
      throw new Error(`plan-memory: output '${o.name}' (${o.node}) is never written by any launch`);
    }
  }

  const items: Item[] = [];
  const opCount = new Map<string, number>();
  for (const n of order) {
    const kind = kindOf(n);
    const sp = shardPlan(n.dtype, n.shape, caps);
    let label: string;
    if (n.op === "input" || n.op === "param") label = String(n.attrs["name"]);
    else {
      const k = opCount.get(n.op) ?? 0;
      opCount.set(n.op, k + 1);
      label = `${n.op}.${k}`;
    }
    const isOut = outputNames.has(n) && !(opts.stateOutputs?.has(n) ?? false);
    const f = kind === "activations" ? first.get(n)! : -1;
    const l = kind === "activations" ? (isOut ? end : last.get(n)!) : end;
    for (let s = 0; s < sp.count; s++) {
      const elems = Math.min(sp.elemsPerShard, sp.numel - s * sp.elemsPerShard);
      const bytes = Math.max(4, alignUp(elems * elemBytes(sp.elem), 4));
      if (bytes > cap) throw new Error(`plan-memory: shard ${s} of ${label} (${bytes} bytes) exceeds the binding limit of ${cap} bytes`);
      items.push({
        node: n, label, outputs: outputNames.get(n) ?? [], shard: s, shards: sp.count, kind, elem: sp.elem, elems: Math.max(elems, 0),
        bytes, first: f, last: l, order: items.length, arena: -1, offset: -1,
      });
    }
  }
  // Every launch binding must name a shard that exists; leaves are read-only; and what a launch
  // writes conflicts with what it reads (they may not share a buffer).
  const conflicts = new Map<Node, Set<Node>>();
  const conflict = (a: Node, b: Node) => {
    let s = conflicts.get(a);
    if (!s) conflicts.set(a, (s = new Set()));
    s.add(b);
  };
  launches.forEach((l, k) => {
    for (const t of l.tensors) {
      const sp = shardPlan(t.node.dtype, t.node.shape, caps);
      if (t.shard < 0 || t.shard >= sp.count) throw new Error(`plan-memory: launch ${k} binds shard ${t.shard} of ${t.node}, which has ${sp.count}`);
      if (t.access !== "read" && kindOf(t.node) !== "activations" && !(opts.stateParams?.has(t.node) ?? false)) {
        throw new Error(`plan-memory: launch ${k} writes ${kindOf(t.node) === "weights" ? "parameter" : "input"} '${String(t.node.attrs["name"])}'; planned inputs and parameters are read-only`);
      }
    }
    for (const w of l.tensors) {
      if (w.access === "read") continue;
      for (const r of l.tensors) {
        if (r.access !== "read") continue;
        conflict(w.node, r.node);
        conflict(r.node, w.node);
      }
    }
  });

  const arenas: { kind: ArenaKind; bytes: number }[] = [];

  // Weights and inputs: first-fit decreasing bin packing (largest first, each into the first arena
  // with room at its end), so big matrices do not strand the tail of an arena.
  const inPlace = opts.inPlace ?? new Set<Node>();
  const packs = [
    { kind: "weights" as const, take: (it: Item) => it.kind === "weights" && !inPlace.has(it.node) },
    { kind: "weights" as const, take: (it: Item) => it.kind === "weights" && inPlace.has(it.node) },
    { kind: "inputs" as const, take: (it: Item) => it.kind === "inputs" },
  ];
  for (const { kind, take } of packs) {
    const mine: number[] = [];
    const list = items.filter(take).sort((a, b) => b.bytes - a.bytes || a.order - b.order);
    for (const it of list) {
      let j = mine.findIndex((ai) => alignUp(arenas[ai]!.bytes, alignment) + it.bytes <= cap);
      if (j < 0) j = mine.push(arenas.push({ kind, bytes: 0 }) - 1) - 1;
      const a = arenas[mine[j]!]!;
      it.arena = mine[j]!;
      it.offset = alignUp(a.bytes, alignment);
      a.bytes = it.offset + it.bytes;
    }
  }

  // Activations: greedy by size; each shard goes where it grows an arena least (a free gap grows
  // nothing), skipping arenas that hold a tensor it conflicts with.
  const actItems = items.filter((it) => it.kind === "activations");
  const bySize = [...actItems].sort((a, b) => b.bytes - a.bytes || a.first - b.first || a.order - b.order);
  const placed: Item[][] = []; // per activation arena (indexed like `actArenas`)
  const actArenas: number[] = [];
  for (const it of bySize) {
    const avoid = conflicts.get(it.node);
    let best = -1, bestOff = 0, bestGrowth = Infinity;
    for (let j = 0; j < actArenas.length && bestGrowth > 0; j++) {
      if (avoid && placed[j]!.some((o) => avoid.has(o.node))) continue;
      const off = fit(placed[j]!, it, alignment, cap);
      if (off === undefined) continue;
      const growth = Math.max(0, off + it.bytes - arenas[actArenas[j]!]!.bytes);
      if (growth < bestGrowth) {
        best = j;
        bestOff = off;
        bestGrowth = growth;
      }
    }
    if (best < 0) {
      best = actArenas.push(arenas.push({ kind: "activations", bytes: 0 }) - 1) - 1;
      placed.push([]);
      bestOff = 0;
    }
    it.arena = actArenas[best]!;
    it.offset = bestOff;
    placed[best]!.push(it);
    const a = arenas[it.arena]!;
    a.bytes = Math.max(a.bytes, it.offset + it.bytes);
  }

  // Peak live bytes.
  let peakAct = 0, peakLaunch = 0;
  if (actItems.length) {
    const delta = new Array<number>(end + 2).fill(0);
    for (const it of actItems) {
      delta[it.first] = delta[it.first]! + it.bytes;
      delta[it.last + 1] = delta[it.last + 1]! - it.bytes;
    }
    let live = 0;
    for (let k = 0; k <= end; k++) {
      live += delta[k]!;
      if (live > peakAct) {
        peakAct = live;
        peakLaunch = k;
      }
    }
  }
  const sumKind = (xs: readonly { kind: ArenaKind; bytes: number }[], kind: ArenaKind) => xs.filter((x) => x.kind === kind).reduce((s, x) => s + x.bytes, 0);
  const bytesOf = (w: number, i: number, a: number): PlanBytes => ({ weights: w, inputs: i, activations: a, total: w + i + a });
  const arenaBytes = bytesOf(sumKind(arenas, "weights"), sumKind(arenas, "inputs"), sumKind(arenas, "activations"));
  const peak = bytesOf(sumKind(items, "weights"), sumKind(items, "inputs"), peakAct);

  const placements: Placement[] = items.map((it) => Object.freeze({
    node: it.node, label: it.label, outputs: Object.freeze([...it.outputs]), shard: it.shard, shards: it.shards, kind: it.kind,
    arena: it.arena, offset: it.offset, bytes: it.bytes, elem: it.elem, elems: it.elems, first: it.first, last: it.last,
  }));
  const byNode = new Map<Node, Placement[]>();
  for (const p of placements) {
    const list = byNode.get(p.node);
    if (list) list.push(p);
    else byNode.set(p.node, [p]);
  }
  return Object.freeze({
    alignment, maxBindingBytes: cap, launches: end,
    arenas: Object.freeze(arenas.map((a, index) => Object.freeze({ index, kind: a.kind, bytes: Math.max(4, a.bytes) }))),
    placements: Object.freeze(placements), byNode, arenaBytes, peak, peakLaunch,
  });
}

/** The offset where `it` fits among `others` (one arena), or undefined. */
function fit(others: readonly Item[], it: Item, alignment: number, cap: number): number | undefined {
  const live = others.filter((o) => o.first <= it.last && it.first <= o.last).sort((a, b) => a.offset - b.offset);
  let best: number | undefined, bestGap = Infinity;
  let cursor = 0; // first free byte
  for (const o of live) {
    const start = alignUp(cursor, alignment);
    const gap = o.offset - start;
    if (gap >= it.bytes && gap < bestGap) {
      best = start;
      bestGap = gap;
    }
    cursor = Math.max(cursor, o.offset + o.bytes);
  }
  if (best !== undefined) return best;
  const top = alignUp(cursor, alignment);
  return top + it.bytes <= cap ? top : undefined;
}

/** The placement of one shard of a tensor; throws when the plan does not hold it. */
export function placementOf(plan: MemoryPlan, node: Node, shard = 0): Placement {
  const p = plan.byNode.get(node)?.[shard];
  if (!p) throw new Error(`the memory plan has no shard ${shard} of ${node}`);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Reports

export function formatBytes(n: number): string {
  const units = [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const;
  for (const [u, size] of units) {
    if (n >= size) {
      const v = n / size;
      return `${Number.isInteger(v) ? v : v.toFixed(1)} ${u}`;
    }
  }
  return `${n} B`;
}

function tensorName(p: Placement): string {
  const out = p.outputs.length ? ` (output ${p.outputs.map((o) => `'${o}'`).join(", ")})` : "";
  return `${p.label}${p.shards > 1 ? `[shard ${p.shard}/${p.shards}]` : ""}${out}`;
}

/** A human summary: totals, one line per arena, then every placement. */
export function formatPlan(plan: MemoryPlan, opts: { placements?: boolean } = {}): string {
  const ab = plan.arenaBytes, pk = plan.peak;
  const lines: string[] = [];
  lines.push(`memory plan: ${plan.arenas.length} arena${plan.arenas.length === 1 ? "" : "s"} holding ${formatBytes(ab.total)} ` +
    `(weights ${formatBytes(ab.weights)}, inputs ${formatBytes(ab.inputs)}, activations ${formatBytes(ab.activations)})`);
  lines.push(`  peak live ${formatBytes(pk.total)}: activations ${formatBytes(pk.activations)} at launch ${plan.peakLaunch} of ${plan.launches}` +
    (pk.activations > 0 ? ` (arenas hold ${(ab.activations / pk.activations).toFixed(2)}× that)` : ""));
  lines.push(`  offsets aligned to ${plan.alignment} B; arenas and bindings ≤ ${formatBytes(plan.maxBindingBytes)}`);
  for (const a of plan.arenas) {
    const n = plan.placements.filter((p) => p.arena === a.index).length;
    lines.push(`  arena ${String(a.index).padStart(2)}  ${a.kind.padEnd(11)} ${formatBytes(a.bytes).padStart(10)}  ${n} range${n === 1 ? "" : "s"}`);
  }
  if (opts.placements !== false) {
    lines.push("  arena      offset       bytes  live       tensor");
    for (const p of plan.placements) {
      const live = p.kind === "activations" ? `${p.first}..${p.last === plan.launches ? "end" : p.last}` : p.kind === "weights" ? "always" : "run";
      lines.push(`  ${String(p.arena).padStart(5)} ${String(p.offset).padStart(11)} ${String(p.bytes).padStart(11)}  ${live.padEnd(10)} ` +
        `${tensorName(p)} ${formatType(p.node.dtype, p.node.shape)}`);
    }
  }
  return lines.join("\n");
}

export interface PlacementJson {
  readonly tensor: string;
  readonly op: string;
  readonly type: string;
  readonly outputs: readonly string[];
  readonly shard: number;
  readonly shards: number;
  readonly kind: ArenaKind;
  readonly arena: number;
  readonly offset: number;
  readonly bytes: number;
  readonly elem: ElemType;
  readonly elems: number;
  readonly live: readonly [number, number];
}

export interface MemoryPlanJson {
  readonly alignment: number;
  readonly maxBindingBytes: number;
  readonly launches: number;
  readonly arenas: readonly Arena[];
  readonly arenaBytes: PlanBytes;
  readonly peak: PlanBytes;
  readonly peakLaunch: number;
  readonly placements: readonly PlacementJson[];
}

/** The plan as plain data (for plan.json): nodes are named by their placement labels. */
export function planJson(plan: MemoryPlan): MemoryPlanJson {
  return {
    alignment: plan.alignment,
    maxBindingBytes: plan.maxBindingBytes,
    launches: plan.launches,
    arenas: plan.arenas.map((a) => ({ index: a.index, kind: a.kind, bytes: a.bytes })),
    arenaBytes: { ...plan.arenaBytes },
    peak: { ...plan.peak },
    peakLaunch: plan.peakLaunch,
    placements: plan.placements.map((p) => ({
      tensor: p.label, op: p.node.op, type: formatType(p.node.dtype, concreteShape(p.node.shape)), outputs: [...p.outputs],
      shard: p.shard, shards: p.shards, kind: p.kind, arena: p.arena, offset: p.offset, bytes: p.bytes, elem: p.elem, elems: p.elems,
      live: [p.first, p.last] as const,
    })),
  };
}
