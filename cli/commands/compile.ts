// `showo compile MODEL --target wgsl|cuda --out DIR`: lower a model (a registry name from
// models/index.ts or a path to a .ir file) to kernels and a memory plan, without running it, and
// write what came out so it can be read and diffed:
//
//   DIR/kernels/NNN_<kernel>.wgsl   every distinct kernel, numbered in order of first launch
//   DIR/kernels/NNN_<kernel>.cu     (--target cuda) the same, as CUDA; each file includes
//   DIR/kernels/prelude.cuh         the CUDA prelude, so every file compiles on its own with nvcc
//   DIR/launches.json               per launch: kernel file, grid, parameters, what each binding holds
//   DIR/plan.json                   the memory plan: arenas and every tensor shard's placement
//   DIR/summary.txt                 the summary printed at the end, then the plan in words
//
// With --train the training step is compiled instead (Show-o's objectives on --batch T2I rows,
// MAGVIT-v2's on --batch images, or a registry graph's `loss`; backward, clipping and AdamW), and
// the summary names the largest activation (no [L, L] attention scores in a Show-o step).
//
// --dump-after PASS|all prints the IR to stderr after the named lowering passes (a comma-separated
// list; the names are those of compiler/passes/lower-passes.ts, the list lower() really runs) and
// --log prints every rewrite those passes make, tagged with the pass. For --train they show the
// lowering of the training step, which is built (loss, backward, AdamW) before it.
//
// No device is needed: lowering uses WebGPU's default limits (DEFAULT_CUDA_CAPS for CUDA). With
// --device (WGSL only) a device is opened, its limits are used instead, and every kernel is also
// compiled into a pipeline (which checks the WGSL and counts pipeline creation in the compile time).
// --limits portable|device|FILE.json states the limits and features to compile for
// (backends/wgsl/compile-limits.ts): portable is the WebGPU defaults with no optional features (the
// default without --device), device the local adapter's, FILE a JSON of limits and features.

import type { Command } from "commander";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CUDA_PRELUDE, DEFAULT_CUDA_CAPS, printCudaKernel } from "../../backends/cuda/print.ts";
import type { WgslDevice } from "../../backends/wgsl/device.ts";
import { openDevice } from "../../backends/wgsl/device.ts";
import type { CompileLimits } from "../../backends/wgsl/compile-limits.ts";
import { PORTABLE_LIMITS, capsFromLimits, describeLimits, deviceLimits, parseLimitsJson } from "../../backends/wgsl/compile-limits.ts";
import { printWgsl } from "../../backends/wgsl/print.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { Kernel } from "../../compiler/kernels/kernel-ir.ts";
import { ParseError, parse } from "../../compiler/ir/parse.ts";
import type { TargetCaps } from "../../compiler/kernels/target.ts";
import type { MemoryPlan } from "../../compiler/passes/plan-memory.ts";
import { formatBytes, formatPlan, placementOf, planJson } from "../../compiler/passes/plan-memory.ts";
import { getModel } from "../../models/index.ts";
import { MAGVIT2_CONFIGS, getMagvit2Config } from "../../models/magvit2.ts";
import { magvit2LossGraph } from "../../models/magvit2-loss.ts";
import { SHOWO_CONFIGS, getShowoConfig } from "../../models/showo.ts";
import { showoLossGraph } from "../../models/showo-loss.ts";
import type { TrainStep } from "../../compiler/passes/adamw.ts";
import { adamwStep } from "../../compiler/passes/adamw.ts";
import { bindDims } from "../../compiler/passes/bind-dims.ts";
import { LOWER_PASS_NAMES } from "../../compiler/passes/lower-passes.ts";
import type { PipelineEvent, PipelineOptions } from "../../compiler/passes/pipeline.ts";
import { checkDumpAfter, formatDump, formatPipelineEvent } from "../../compiler/passes/pipeline.ts";
import { formatType } from "../../compiler/ir/types.ts";
import { decays } from "../../runtime/training/optim.ts";
import { TRAIN_SEGMENT_SLOTS } from "../../runtime/training/trainer.ts";
import type { CompiledGraph, ExecutableSummary } from "../../runtime/executable.ts";
import { lower } from "../../runtime/executable.ts";
import { ensureOutputFolder } from "../../runtime/files.ts";
import { writeShowoPackage } from "../../runtime/package/write-package.ts";

export interface CompileCommandOptions {
  readonly target: string;
  readonly out: string;
  readonly batch?: number;
  readonly seq?: number;
  /** Other symbolic dimensions (NAME → value). */
  readonly dims?: Readonly<Record<string, number>>;
  /** Open a device: use its limits and build every pipeline. */
  readonly device?: boolean;
  /** The limits and features to compile for: "portable", "device" or a JSON file (WGSL only). */
  readonly limits?: string;
  /** Write a compiled-model package to this folder instead (runtime/package/write-package.ts). */
  readonly package?: string;
  /** With --package: the P' (text rows after the dropped padding) to compile T2I graphs for (all when absent). */
  readonly textLens?: readonly number[];
  /** With --package: the MMU prefill's prompt length and the K/V cache's slots (write-package.ts's defaults when absent). */
  readonly mmuPromptLen?: number;
  readonly mmuCacheLen?: number;
  /** Compile the training step (forward, backward, clipping, AdamW) instead of the forward. */
  readonly train?: boolean;
  /** Lowering passes after which to print the IR (comma-separated names, or "all"). */
  readonly dumpAfter?: string;
  /** Print every rewrite of the lowering passes. */
  readonly log?: boolean;
  /** Where the IR dumps and the rewrite log go (default: stderr). */
  readonly diagnostics?: (text: string) => void;
}

export interface CompileResult {
  readonly summary: ExecutableSummary;
  readonly compiled: CompiledGraph;
  /** The kernel files written, relative to the output directory. */
  readonly kernelFiles: readonly string[];
  /** The summary as printed. */
  readonly text: string;
}

/** A registry model, or a graph read from a .ir file; returns the graph and its dimension values. */
function loadGraph(model: string, o: CompileCommandOptions): { graph: Graph; dims: Record<string, number>; state?: Record<string, string> } {
  const extra = { ...(o.dims ?? {}) };
  if (o.train) {
    const step = trainStepGraph(model, o);
    return { graph: step.graph, dims: extra, state: { ...step.state } };
  }
  if (model.endsWith(".ir") || (model.includes("/") && existsSync(model))) {
    let graph: Graph;
    try {
      graph = parse(readFileSync(model, "utf8"), model);
    } catch (e) {
      if (e instanceof ParseError) throw new Error(`${model}:${e.message}`);
      throw e;
    }
    // For IR files, --batch and --seq bind the dimensions named B and L.
    const dims: Record<string, number> = { ...(o.batch !== undefined ? { B: o.batch } : {}), ...(o.seq !== undefined ? { L: o.seq } : {}), ...extra };
    return { graph, dims };
  }
  const built = getModel(model).build({ ...(o.batch !== undefined ? { batch: o.batch } : {}), ...(o.seq !== undefined ? { seq: o.seq } : {}) });
  return { graph: built.graph, dims: { ...(built.dims ?? {}), ...extra } };
}

/**
 * The training step of a model: Show-o's objectives on a batch of `--batch` T2I rows (L = the T2I
 * length), MAGVIT-v2's on `--batch` images of `--seq` pixels a side, or a registry graph's own
 * `loss` output; then backward, clipping and AdamW (compiler/passes/adamw.ts), every parameter
 * trained with the default decay filter.
 */
function trainStepGraph(model: string, o: CompileCommandOptions): TrainStep {
  const batch = o.batch ?? 1;
  let graph: Graph;
  if (SHOWO_CONFIGS[model]) {
    graph = showoLossGraph(getShowoConfig(model), { t2i: batch, lm: 0, mmu: 0, segmentSlots: TRAIN_SEGMENT_SLOTS });
  } else if (MAGVIT2_CONFIGS[model]) {
    const cfg = getMagvit2Config(model);
    graph = magvit2LossGraph(cfg, { batch, resolution: o.seq ?? (cfg.ch <= 32 ? 32 : 256) });
  } else {
    const built = getModel(model).build({ batch, ...(o.seq !== undefined ? { seq: o.seq } : {}) });
    if (!built.graph.outputs.some((x) => x.name === "loss")) throw new Error(`--train: model '${model}' has no 'loss' output to train`);
    graph = bindDims(built.graph, built.dims ?? {});
  }
  return adamwStep(graph, { loss: "loss", decay: (p) => decays("default", p) });
}

/** JSON indented for `depth` levels, with deeper values on one line (one placement or binding per line). */
export function compactJson(v: unknown, depth: number, indent = ""): string {
  if (depth <= 0 || v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== "object")) return JSON.stringify(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return `[\n${v.map((x) => inner + compactJson(x, depth - 1, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${compactJson(x, depth - 1, inner)}`).join(",\n")}\n${indent}}`;
}

function kernelFileName(index: number, name: string, ext: string): string {
  return `${String(index).padStart(3, "0")}_${name.replace(/[^A-Za-z0-9_-]/g, "_")}.${ext}`;
}

/** A kernel's source file for the target: WGSL, or CUDA that includes the prelude beside it. */
function kernelSource(target: "wgsl" | "cuda", kernel: Kernel): string {
  return target === "wgsl" ? printWgsl(kernel) : `#include "prelude.cuh"\n\n${printCudaKernel(kernel)}`;
}

function launchesJson(c: CompiledGraph, files: readonly string[]): unknown[] {
  const plan: MemoryPlan = c.plan;
  return c.launches.map((l, i) => ({
    index: i,
    kernel: files[i],
    name: l.kernel.name,
    label: l.label,
    grid: l.grid,
    params: l.params,
    tensors: l.tensors.map((t) => {
      const p = placementOf(plan, t.node, t.shard);
      return { binding: t.binding, tensor: p.label, shard: t.shard, access: t.access, arena: p.arena, offset: p.offset, bytes: p.bytes };
    }),
  }));
}

export function formatSummary(name: string, s: ExecutableSummary, plan: MemoryPlan, extra: readonly string[] = []): string {
  const ab = plan.arenaBytes;
  return [
    `compiled '${name}'`,
    ...extra,
    `  kernels        ${s.kernels} distinct`,
    `  dispatches     ${s.dispatchesPerRun} per run`,
    `  arenas         ${s.arenas}, ${formatBytes(s.arenaBytes)} (weights ${formatBytes(ab.weights)}, inputs ${formatBytes(ab.inputs)}, activations ${formatBytes(ab.activations)})`,
    `  peak           ${formatBytes(s.peakBytes)} live (activations ${formatBytes(plan.peak.activations)} at launch ${plan.peakLaunch})`,
    `  compile time   ${s.compileMs.toFixed(0)} ms`,
  ].join("\n");
}

export async function runCompile(model: string, o: CompileCommandOptions, log: (s: string) => void = console.log): Promise<CompileResult> {
  if (o.target !== "wgsl" && o.target !== "cuda") throw new Error(`target '${o.target}' is not supported (targets: wgsl, cuda)`);
  const target: "wgsl" | "cuda" = o.target;
  if (target === "cuda" && o.device) throw new Error("--device is not supported with --target cuda yet (lowering uses DEFAULT_CUDA_CAPS)");
  if (target === "cuda" && o.limits !== undefined) throw new Error("--limits is for --target wgsl (CUDA lowering uses DEFAULT_CUDA_CAPS)");
  const limitsFile = o.limits !== undefined && o.limits !== "portable" && o.limits !== "device" ? readLimitsFile(o.limits) : undefined;
  const t0 = performance.now();
  try {
    checkDumpAfter(o.dumpAfter, LOWER_PASS_NAMES);
  } catch (e) {
    throw new Error(`--dump-after: ${(e as Error).message}`);
  }
  if (o.package === undefined) for (const [k, flag] of [["textLens", "--text-lens"], ["mmuPromptLen", "--mmu-prompt-len"], ["mmuCacheLen", "--mmu-cache-len"]] as const) if (o[k] !== undefined) throw new Error(`${flag} goes with --package`);
  if (o.package !== undefined) return runPackage(model, o, target, limitsFile, log);
  ensureOutputFolder(o.out, "--out");
  const { graph, dims, state } = loadGraph(model, o);
  checkDimNames(graph, o.dims ?? {});
  const device = o.device || o.limits === "device" ? await openDevice() : undefined;
  try {
    const limits = target === "wgsl" ? compileLimits(o, device, limitsFile) : undefined;
    const caps: TargetCaps = limits ? capsFromLimits(limits) : DEFAULT_CUDA_CAPS;
    const compiled = lower(graph, caps, { dims, ...(state ? { state } : {}), pipeline: pipelineWatch(o) });
    let pipelines = 0;
    if (device && o.device) {
      const built = await Promise.all(compiled.launches.map((l) => device.compile(l.kernel)));
      pipelines = new Set(built.map((k) => k.id)).size;
    }
    const compileMs = performance.now() - t0;

    // Kernels, deduplicated by text, numbered in order of first launch.
    const kernelDir = join(o.out, "kernels");
    mkdirSync(kernelDir, { recursive: true });
    for (const f of readdirSync(kernelDir)) if (/\.(wgsl|cu|cuh)$/.test(f)) rmSync(join(kernelDir, f));
    if (target === "cuda") writeFileSync(join(kernelDir, "prelude.cuh"), `#pragma once\n${CUDA_PRELUDE}`);
    const byText = new Map<string, string>();
    const launchFiles: string[] = [];
    for (const l of compiled.launches) {
      const text = kernelSource(target, l.kernel);
      let file = byText.get(text);
      if (!file) {
        file = `kernels/${kernelFileName(byText.size, l.kernel.name, target === "wgsl" ? "wgsl" : "cu")}`;
        byText.set(text, file);
        writeFileSync(join(o.out, file), text);
      }
      launchFiles.push(file);
    }

    const summary: ExecutableSummary = {
      kernels: byText.size,
      dispatchesPerRun: compiled.launches.length,
      arenas: compiled.plan.arenas.length,
      arenaBytes: compiled.plan.arenaBytes.total,
      peakBytes: compiled.plan.peak.total,
      compileMs,
    };
    const dimText = Object.entries(dims).map(([k, v]) => `${k}=${v}`).join(", ");
    const text = formatSummary(compiled.graph.name, summary, compiled.plan, [
      target === "cuda"
        ? "  target         cuda, default CUDA limits (no device)"
        : `  target         wgsl, limits ${describeLimits(limits!)}${device && o.device ? `; ${pipelines} pipelines built on ${device.description}` : ""}`,
      ...(dimText ? [`  dimensions     ${dimText}`] : []),
      ...(state ? [`  training step  forward, backward, clipping, AdamW; ${Object.keys(state).length} state tensors written over their parameters each run`, `  largest tensor ${largestActivation(compiled)}`] : []),
      `  written to     ${o.out}`,
    ]);
    writeFileSync(join(o.out, "plan.json"), `${compactJson(planJson(compiled.plan), 2)}\n`);
    writeFileSync(join(o.out, "launches.json"), `${compactJson(launchesJson(compiled, launchFiles), 3)}\n`);
    writeFileSync(join(o.out, "summary.txt"), `${text}\n\n${formatPlan(compiled.plan)}\n`);
    log(text);
    return { summary, compiled, kernelFiles: [...byText.values()], text };
  } finally {
    device?.dispose();
  }
}

/** --package DIR: a Show-o model's jobs as a typed ES-module package. */
async function runPackage(model: string, o: CompileCommandOptions, target: string, file: CompileLimits | undefined, log: (s: string) => void): Promise<CompileResult> {
  if (target !== "wgsl") throw new Error("--package writes WGSL packages: use --target wgsl");
  if (!SHOWO_CONFIGS[model]) throw new Error(`--package: '${model}' is not a Show-o model (packages hold Show-o's jobs: ${Object.keys(SHOWO_CONFIGS).join(", ")})`);
  const dir = o.package!;
  ensureOutputFolder(dir, "--package");
  const device = o.limits === "device" ? await openDevice() : undefined;
  try {
    const limits = compileLimits(o, device, file);
    const t0 = performance.now();
    const r = writeShowoPackage(getShowoConfig(model), limits, dir, `${model}-wgsl`, {
      ...(o.textLens ? { textLens: o.textLens } : {}),
      ...(o.mmuPromptLen !== undefined ? { mmuPromptLen: o.mmuPromptLen } : {}),
      ...(o.mmuCacheLen !== undefined ? { mmuCacheLen: o.mmuCacheLen } : {}),
    });
    const text = [
      `packaged '${model}' for ${describeLimits(limits)}`,
      `  executables    ${r.executables.join(", ")}`,
      `  kernels        ${r.kernels} distinct`,
      `  files          ${r.files.length} in dist/ (type-checked, .js + .d.ts), kernels/*.wgsl, package.json`,
      `  time           ${(performance.now() - t0).toFixed(0)} ms`,
      `  written to     ${dir}`,
    ].join("\n");
    log(text);
    return { summary: { kernels: r.kernels, dispatchesPerRun: 0, arenas: 0, arenaBytes: 0, peakBytes: 0, compileMs: performance.now() - t0 }, compiled: undefined as never, kernelFiles: [], text };
  } finally {
    device?.dispose();
  }
}

/** --limits FILE.json, read before any work so a bad file fails fast. */
function readLimitsFile(path: string): CompileLimits {
  if (!existsSync(path)) throw new Error(`--limits: '${path}' is neither portable, device nor a JSON file of limits`);
  return parseLimitsJson(readFileSync(path, "utf8"), `--limits ${path}`);
}

/** The limits a WGSL compile is for: --limits, else the --device's, else portable. */
function compileLimits(o: CompileCommandOptions, device: WgslDevice | undefined, file: CompileLimits | undefined): CompileLimits {
  if (file) return file;
  if (o.limits === "portable") return PORTABLE_LIMITS;
  if (device) return deviceLimits(device);
  return PORTABLE_LIMITS;
}

/** What --dump-after and --log ask to see of the lowering passes. */
function pipelineWatch(o: CompileCommandOptions): PipelineOptions {
  const write = o.diagnostics ?? ((text: string) => void process.stderr.write(text));
  return {
    ...(o.dumpAfter !== undefined ? { dumpAfter: o.dumpAfter, dump: (pass: string, g: Graph) => write(formatDump(pass, g)) } : {}),
    ...(o.log ? { log: (e: PipelineEvent) => write(`// ${formatPipelineEvent(e)}\n`) } : {}),
  };
}

/** The largest activation of a plan, for the summary (a training step must hold no [L, L] scores). */
function largestActivation(c: CompiledGraph): string {
  let best: { label: string; type: string; bytes: number } | undefined;
  for (const [node, places] of c.plan.byNode) {
    if (places[0]!.kind !== "activations") continue;
    const bytes = places.reduce((n, p) => n + p.bytes, 0);
    if (!best || bytes > best.bytes) best = { label: places[0]!.label, type: formatType(node.dtype, node.shape), bytes };
  }
  return best ? `${best.label} ${best.type} (${formatBytes(best.bytes)})` : "none";
}

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got '${v}'`);
  return n;
}

/** The symbolic dimensions the graph's inputs and parameters are declared with. */
function graphSymbols(graph: Graph): Set<string> {
  const out = new Set<string>();
  for (const n of [...graph.inputs, ...graph.params]) {
    for (const d of n.shape) if (typeof d === "string") for (const m of d.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) out.add(m[0]);
  }
  return out;
}

/** --dim must name a dimension the graph has (a typo would otherwise be ignored silently). */
function checkDimNames(graph: Graph, dims: Readonly<Record<string, number>>): void {
  const known = graphSymbols(graph);
  for (const name of Object.keys(dims)) {
    if (!known.has(name)) throw new Error(`--dim ${name}: the graph has no dimension ${name} (its symbolic dimensions: ${[...known].sort().join(", ") || "none"})`);
  }
}

function collectDim(v: string, prev: Record<string, number>): Record<string, number> {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\d+)$/.exec(v);
  if (!m) throw new Error(`--dim takes NAME=VALUE, got '${v}'`);
  return { ...prev, [m[1]!]: positiveInt(m[2]!, `--dim ${m[1]}`) };
}

export function register(program: Command): void {
  program
    .command("compile")
    .description("lower a model (a registry name or a .ir file) to kernels and a memory plan; write the WGSL or CUDA, launches, plan and a summary")
    .argument("<model>", "a model name (phi-block, mlp) or a path to a .ir file")
    .option("--target <target>", "code generation target: wgsl or cuda", "wgsl")
    .option("--out <dir>", "directory to write kernels/, launches.json, plan.json and summary.txt to")
    .option("--package <dir>", "write a typed ES-module package of the model's jobs (Show-o: T2I, understanding, the image encoder and decoder) to this folder")
    .option("--batch <n>", "batch size (binds B)")
    .option("--seq <n>", "sequence length (binds L)")
    .option("--dim <name=value>", "bind another symbolic dimension (repeatable)", collectDim, {})
    .option("--device", "open a WebGPU device: use its limits (unless --limits says otherwise) and build every pipeline (wgsl only)")
    .option("--text-lens <list>", "with --package: compile the T2I graphs only for these numbers of text rows after the dropped padding (comma-separated; showo-shapes: 33, 25, 17, 9, 1; default all)")
    .option("--mmu-prompt-len <n>", "with --package: the understanding prefill's prompt length in ids (default 4 + image tokens + text budget)")
    .option("--mmu-cache-len <n>", "with --package: the understanding K/V cache's slots, the prompt's and one per new token (default prompt length + text budget)")
    .option("--limits <limits>", "limits and features to compile for: portable (WebGPU defaults, no optional features; the default), device (the local adapter's) or a JSON file (wgsl only)")
    .option("--train", "compile the training step (forward, backward, clipping, AdamW) instead of the forward")
    .option("--dump-after <pass>", `print the IR to stderr after this lowering pass (${LOWER_PASS_NAMES.join(", ")}; a comma-separated list, or 'all')`)
    .option("--log", "print every rewrite the lowering passes make to stderr")
    .action(async (model: string, o: { target: string; out?: string; batch?: string; seq?: string; dim: Record<string, number>; device?: boolean; limits?: string; package?: string; textLens?: string; mmuPromptLen?: string; mmuCacheLen?: string; train?: boolean; dumpAfter?: string; log?: boolean }) => {
      if (o.out === undefined && o.package === undefined) throw new Error("give --out DIR (kernels and plans) or --package DIR (a compiled-model package)");
      await runCompile(model, {
        target: o.target,
        out: o.out ?? "",
        ...(o.package !== undefined ? { package: o.package } : {}),
        ...(o.textLens !== undefined ? { textLens: o.textLens.split(",").map((v) => positiveInt(v.trim(), "--text-lens")) } : {}),
        ...(o.mmuPromptLen !== undefined ? { mmuPromptLen: positiveInt(o.mmuPromptLen, "--mmu-prompt-len") } : {}),
        ...(o.mmuCacheLen !== undefined ? { mmuCacheLen: positiveInt(o.mmuCacheLen, "--mmu-cache-len") } : {}),
        ...(o.batch !== undefined ? { batch: positiveInt(o.batch, "--batch") } : {}),
        ...(o.seq !== undefined ? { seq: positiveInt(o.seq, "--seq") } : {}),
        dims: o.dim,
        ...(o.device ? { device: true } : {}),
        ...(o.limits !== undefined ? { limits: o.limits } : {}),
        ...(o.train ? { train: true } : {}),
        ...(o.dumpAfter !== undefined ? { dumpAfter: o.dumpAfter } : {}),
        ...(o.log ? { log: true } : {}),
      });
    });
}
