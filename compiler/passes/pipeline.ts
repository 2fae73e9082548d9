// The pass registry and the driver that runs a list of passes.
//
// A pass is a function Graph → Graph with a context carrying its options, the rewrite log and a
// channel for short notes ("dce removed 3 nodes"). `runPipeline` runs passes by name, dumps the
// IR after the passes named in `dumpAfter` (the `--dump-after=PASS` flag), and tags every rewrite
// log entry with the pass that made it.

import { bindDims } from "./bind-dims.ts";
import { lowerComposites } from "./lower-composites.ts";
import { fuseQkNormAttention } from "./fuse-qknorm-attention.ts";
import { shareAttentionLse } from "./share-attention-lse.ts";
import { specializeMasks } from "./specialize-masks.ts";
import type { Graph } from "../ir/graph.ts";
import type { TargetCaps } from "../kernels/target.ts";
import { print } from "../ir/text.ts";
import { isFloat } from "../ir/types.ts";
import { verify } from "../ir/verify.ts";
import { grad } from "./autodiff.ts";
import type { RewriteEvent } from "./rewrite.ts";
import { cse, dce, simplify } from "./simplify.ts";

export type PassOptions = Readonly<Record<string, unknown>>;

export interface PassContext {
  readonly options: PassOptions;
  /** Receives every rule firing of a rewrite pass. */
  readonly log?: (e: RewriteEvent) => void;
  /** Receives a short report from the pass. */
  readonly note: (message: string) => void;
}

export type PassFn = (graph: Graph, ctx: PassContext) => Graph;

/** A pass by name, or by name with options. */
export type PassSpec = string | { readonly name: string; readonly options?: PassOptions };

export interface PipelineEvent extends RewriteEvent {
  readonly pass: string;
}

export interface PipelineOptions {
  /** Pass names after which to dump the IR ("all" for every pass; a string may list names with commas). */
  readonly dumpAfter?: string | readonly string[];
  /** Where dumps go; default: the printed IR on stderr. */
  readonly dump?: (pass: string, graph: Graph) => void;
  /** The rewrite log of the whole pipeline. */
  readonly log?: (e: PipelineEvent) => void;
  /** Notes from passes; default: dropped. */
  readonly note?: (pass: string, message: string) => void;
}

const registry = new Map<string, PassFn>();

export function registerPass(name: string, fn: PassFn): void {
  if (registry.has(name)) throw new Error(`pass '${name}' is registered twice`);
  registry.set(name, fn);
}

export function getPass(name: string): PassFn {
  const fn = registry.get(name);
  if (!fn) throw new Error(`unknown pass '${name}' (passes: ${passNames().join(", ")})`);
  return fn;
}

export function passNames(): string[] {
  return [...registry.keys()].sort();
}

/** One line of the rewrite log: the pass, the rule, and the node it replaced by which. */
export function formatPipelineEvent(e: PipelineEvent): string {
  return `${e.pass}: ${e.rule}: ${e.before} -> ${e.after}`;
}

/** The IR after a pass, headed by the pass's name. */
export function formatDump(pass: string, graph: Graph): string {
  return `// ----- IR after ${pass} -----\n${print(graph)}`;
}

export function defaultDump(pass: string, graph: Graph): void {
  process.stderr.write(formatDump(pass, graph));
}

/**
 * Refuses a --dump-after list that names a pass this pipeline does not run (a misspelt or
 * misplaced name would otherwise dump nothing, silently); the error lists the passes it runs.
 */
export function checkDumpAfter(d: PipelineOptions["dumpAfter"], run: readonly string[]): string[] {
  if (d === undefined) return [];
  const names = typeof d === "string" ? d.split(",").map((s) => s.trim()).filter((s) => s) : [...d];
  const runs = `this pipeline runs: ${[...new Set(run)].join(", ") || "no passes"}`;
  for (const n of names) {
    if (n === "all" || run.includes(n)) continue;
    throw new Error(registry.has(n) ? `pass '${n}' is not in this pipeline (${runs})` : `unknown pass '${n}' (${runs})`);
  }
  return names;
}

function dumpSet(d: PipelineOptions["dumpAfter"], run: readonly string[]): (name: string) => boolean {
  const names = checkDumpAfter(d, run);
  if (names.includes("all")) return () => true;
  return (name) => names.includes(name);
}

const specName = (spec: PassSpec): string => (typeof spec === "string" ? spec : spec.name);

/** Run `passes` in order on `graph`. */
export function runPipeline(graph: Graph, passes: readonly PassSpec[], opts: PipelineOptions = {}): Graph {
  const fns = passes.map((spec) => getPass(specName(spec))); // every name is known before any pass runs
  const shouldDump = dumpSet(opts.dumpAfter, passes.map(specName));
  const dump = opts.dump ?? defaultDump;
  let g = graph;
  passes.forEach((spec, k) => {
    const name = specName(spec);
    const options = typeof spec === "string" ? {} : spec.options ?? {};
    const fn = fns[k]!;
    const log = opts.log;
    const ctx: PassContext = {
      options,
      note: (message) => opts.note?.(name, message),
      ...(log ? { log: (e: RewriteEvent) => log({ pass: name, ...e }) } : {}),
    };
    try {
      g = fn(g, ctx);
    } catch (e) {
      throw new Error(`pass '${name}' failed on graph '${g.name}': ${(e as Error).message}`, { cause: e });
    }
    if (shouldDump(name)) dump(name, g);
  });
  return g;
}

// ---------------------------------------------------------------------------------------------
// Built-in passes

const rewriteOpts = (ctx: PassContext) => (ctx.log ? { log: ctx.log } : {});

const strings = (v: unknown, what: string): string[] | undefined => {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) throw new Error(`option '${what}' must be a list of names`);
  return v;
};

/** A TargetCaps option: an object with the limits the passes read (the rest is the target's business). */
const capsOption = (v: unknown): TargetCaps | undefined => {
  if (v === undefined) return undefined;
  const c = v as Partial<TargetCaps> | null;
  if (typeof c !== "object" || c === null || (c.target !== "wgsl" && c.target !== "cuda") || typeof c.maxWorkgroupStorageBytes !== "number" || typeof c.maxInvocationsPerWorkgroup !== "number") {
    throw new Error("option 'caps' must be a target's TargetCaps");
  }
  return v as TargetCaps;
};

registerPass("verify", (g) => {
  verify(g);
  return g;
});

registerPass("cse", (g, ctx) => {
  const before = g.nodes().length;
  const out = cse(g, rewriteOpts(ctx));
  ctx.note(`${before - out.nodes().length} nodes merged`);
  return out;
});

registerPass("dce", (g, ctx) => {
  const { graph, removed } = dce(g);
  ctx.note(`${removed.length} nodes removed`);
  return graph;
});

registerPass("simplify", (g, ctx) => simplify(g, rewriteOpts(ctx)));

// Options: loss (default: the first float scalar output), wrt (param names), inputsWrt (input names).
registerPass("autodiff", (g, ctx) => {
  const o = ctx.options;
  let loss = o["loss"];
  if (loss === undefined) {
    loss = g.outputs.find((x) => isFloat(x.node.dtype) && x.node.shape.every((d) => d === 1))?.name;
    if (loss === undefined) throw new Error(`no float scalar output to use as the loss (outputs: ${g.outputs.map((x) => x.name).join(", ")})`);
  }
  if (typeof loss !== "string") throw new Error("option 'loss' must be an output name");
  const wrt = strings(o["wrt"], "wrt"), inputsWrt = strings(o["inputsWrt"], "inputsWrt");
  return grad(g, { loss, ...(wrt ? { wrt } : {}), ...(inputsWrt ? { inputsWrt } : {}) });
});

// Options: maxBindings (pack the norm parameters when the fused kernel would bind more).
registerPass("fuse-qknorm-attention", (g, ctx) => {
  const maxBindings = ctx.options["maxBindings"];
  return fuseQkNormAttention(g, { ...rewriteOpts(ctx), ...(typeof maxBindings === "number" ? { maxBindings } : {}) });
});

registerPass("share-attention-lse", (g, ctx) => shareAttentionLse(g, rewriteOpts(ctx)));

// Options: tileQ, tileK (the tiles of the block lists), caps (the target's limits, which pick the
// tiles when tileQ and tileK do not; lowering passes them).
registerPass("specialize-masks", (g, ctx) => {
  const o = ctx.options;
  const caps = capsOption(o["caps"]);
  return specializeMasks(g, {
    ...rewriteOpts(ctx),
    ...(typeof o["tileQ"] === "number" ? { tileQ: o["tileQ"] } : {}),
    ...(typeof o["tileK"] === "number" ? { tileK: o["tileK"] } : {}),
    ...(caps ? { caps } : {}),
  });
});

registerPass("lower-composites", (g, ctx) => lowerComposites(g, rewriteOpts(ctx)));

// Options: dims, e.g. {"B": 2, "L": 16}.
registerPass("bind-dims", (g, ctx) => bindDims(g, (ctx.options["dims"] ?? {}) as Record<string, number>));
