// `showo forward --model NAME --weights FILE --task t2i|mmu|lm --ids IDS.json --out LOGITS.npy`:
// one Show-o forward pass on the WGSL backend, for other programs to drive and compare.
//
//   IDS.json    a batch of token id rows: a JSON array of arrays of integers, all of one length L,
//               every id in [0, V) (V = 58,498: text, specials, image codes + 50,305, [MASK])
//   LOGITS.npy  float32 [B, L, V]: the logits at positions 0..L−1 of every row
//
// The attention mask comes from the ids as Show-o builds it for the task (design/showo.md §3.3):
// t2i = create_attention_mask_predict_next with rm_pad_in_image, mmu = create_attention_mask_for_mmu
// (the first row's [EOI] bounds the bidirectional prefix of every row), lm = causal; positions are
// 0..L−1 over the padded rows. Weights are a safetensors checkpoint (file or folder) with Show-o's
// key names, with or without the `showo.` prefix.

import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import { SHOWO_CONFIGS, Showo, showoGraph } from "../../models/showo.ts";
import type { Task } from "../../models/showo-prompts.ts";
import { positionsFor, segmentsForBatch, segmentsFromIds } from "../../models/showo-prompts.ts";
import { compile } from "../../runtime/executable.ts";
import { describeNpy, writeNpy } from "../../runtime/npy.ts";
import { SHOWO_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import { DEFAULT_SHOWO_MODEL, weightsFor } from "../../runtime/weights/shipped.ts";
import { checkOutputFile } from "../../runtime/files.ts";

export const FORWARD_TASKS = ["t2i", "mmu", "lm"] as const;
export type ForwardTask = (typeof FORWARD_TASKS)[number];

export interface ForwardOptions {
  /** A Show-o config name (showo-tiny, showo-256, showo-512). */
  readonly model: string;
  /** safetensors file or checkpoint folder. */
  readonly weights: string;
  readonly task: string;
  /** Id rows [B][L]. */
  readonly ids: readonly (readonly number[])[];
}

export interface ForwardResult {
  readonly shape: [number, number, number];
  readonly logits: Float32Array;
  readonly compileMs: number;
  readonly runMs: number;
}

export function showoConfigFor(name: string): ShowoConfig {
  const cfg = SHOWO_CONFIGS[name];
  if (!cfg) throw new Error(`unknown model '${name}' (Show-o models: ${Object.keys(SHOWO_CONFIGS).join(", ")})`);
  return cfg;
}

export function checkTask(task: string): ForwardTask {
  if (!(FORWARD_TASKS as readonly string[]).includes(task)) throw new Error(`unknown task '${task}' (tasks: ${FORWARD_TASKS.join(", ")})`);
  return task as ForwardTask;
}

/** Id rows from parsed JSON: a non-empty array of equal-length, non-empty arrays of ids in [0, vocab). */
export function checkIdRows(json: unknown, vocab: number, source = "ids"): number[][] {
  const shapeHelp = "a JSON array of id rows, each an array of integers, e.g. [[50301, 50296, 50297, 50256]]";
  if (!Array.isArray(json) || json.length === 0) throw new Error(`${source}: expected ${shapeHelp}; got ${Array.isArray(json) ? "an empty array" : typeof json}`);
  const rows: number[][] = [];
  json.forEach((row: unknown, b) => {
    if (!Array.isArray(row)) throw new Error(`${source}: row ${b} is not an array; expected ${shapeHelp}`);
    if (row.length === 0) throw new Error(`${source}: row ${b} is empty`);
    if (b > 0 && row.length !== rows[0]!.length) throw new Error(`${source}: row ${b} has ${row.length} ids, row 0 has ${rows[0]!.length} (a batch shares one length L)`);
    row.forEach((t: unknown, l) => {
      if (typeof t !== "number" || !Number.isInteger(t)) throw new Error(`${source}: row ${b}, position ${l}: ${JSON.stringify(t)} is not an integer id`);
      if (t < 0 || t >= vocab) throw new Error(`${source}: row ${b}, position ${l}: id ${t} is outside the vocabulary [0, ${vocab})`);
    });
    rows.push(row as number[]);
  });
  return rows;
}

export function readIdRows(path: string, vocab: number): number[][] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  return checkIdRows(json, vocab, path);
}

/**
 * Graph inputs for a batch: ids i32[B, L], positions 0..L−1, and segments i32[B, S, 3] when the
 * task's mask has any (S = the most segments of a row; LM rows have none: plain causal).
 */
export function forwardInputs(task: ForwardTask, rows: readonly (readonly number[])[]): { inputs: Record<string, RefTensor>; slots: number } {
  const B = rows.length, L = rows[0]!.length;
  let segs;
  try {
    segs = segmentsForBatch(rows.map((ids) => ({ ids, task: task as Task })));
  } catch (e) {
    // Name the row: the first one whose own layout is refused.
    const bad = rows.findIndex((ids) => {
      try {
        segmentsFromIds(ids, task);
        return false;
      } catch {
        return true;
      }
    });
    throw new Error(`ids ${bad >= 0 ? `row ${bad}` : "batch"} is not a valid ${task} layout (Show-o's mask cannot be built from it): ${(e as Error).message}`, { cause: e });
  }
  const slots = Math.max(0, ...segs.map((s) => s.length));
  const inputs: Record<string, RefTensor> = { ids: tensor("i32", [B, L], rows.flat()), positions: tensor("i32", [L], positionsFor(L)) };
  if (slots > 0) {
    const p = packSegments(segs, slots);
    inputs["segments"] = tensor("i32", p.shape, p.data);
  }
  return { inputs, slots };
}

export async function runForward(o: ForwardOptions): Promise<ForwardResult> {
  const cfg = showoConfigFor(o.model);
  const task = checkTask(o.task);
  const rows = checkIdRows(o.ids, cfg.vocab);
  const { inputs, slots } = forwardInputs(task, rows);
  const model = new Showo(cfg);
  const weights = await loadWeights(o.weights, model.namedParameters(), SHOWO_KEYMAP, { config: cfg });
  const B = rows.length, L = rows[0]!.length;
  const t0 = performance.now();
  const exe = await compile(showoGraph(cfg, { batch: B, seq: L, segmentSlots: slots }, model), { target: "wgsl" });
  try {
    const compileMs = performance.now() - t0;
    exe.setParams(weights);
    const t1 = performance.now();
    const { logits } = await exe.run(inputs);
    const runMs = performance.now() - t1;
    return { shape: [B, L, cfg.vocab], logits: Float32Array.from(logits!.data), compileMs, runMs };
  } finally {
    exe.dispose();
  }
}

export function register(program: Command): void {
  program
    .command("forward")
    .description("run one Show-o forward pass (WGSL) on a batch of token id rows and write the logits as float32 [B, L, V] .npy")
    .option("--model <name>", `Show-o model (${Object.keys(SHOWO_CONFIGS).join(", ")})`, DEFAULT_SHOWO_MODEL)
    .option("--weights <file>", "safetensors checkpoint (file or folder) with Show-o's key names (default: the shipped weights of --model)")
    .requiredOption("--task <task>", `the layout the mask is built for: ${FORWARD_TASKS.join(", ")}`)
    .requiredOption("--ids <file>", "JSON array of id rows (arrays of integers of one length)")
    .requiredOption("--out <file>", "where to write the logits (.npy, float32 [B, L, V])")
    .action(async (o: { model: string; weights?: string; task: string; ids: string; out: string }) => {
      const cfg = showoConfigFor(o.model);
      const weights = weightsFor(cfg.name, o.weights, "--weights");
      checkTask(o.task);
      checkOutputFile(o.out, "--out");
      const ids = readIdRows(o.ids, cfg.vocab);
      const r = await runForward({ model: o.model, weights, task: o.task, ids });
      writeNpy(o.out, { shape: r.shape, data: r.logits });
      console.log(`wrote logits ${describeNpy({ dtype: "f4", shape: r.shape })} to ${o.out} (${o.model}, ${o.task}; compile ${r.compileMs.toFixed(0)} ms, run ${r.runMs.toFixed(0)} ms)`);
    });
}
