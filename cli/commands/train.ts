// `showo train [--config FILE.json] [--out DIR] [--resume PATH] [--steps N] [field flags...]`:
// Show-o's or MAGVIT-v2's training on the compiled step (runtime/training/trainer.ts).
//
// Every config field (runtime/training/config.ts) is also a flag, in kebab case (`--vq-weights`,
// `--t2i-batch`, `--save-every` ...); flags override the file, and a run needs no file at all:
//   npx showo train --model showo-tiny --images data/ --vq-weights vq.safetensors --steps 50 --seed 1 --out runs/a
// --resume takes a run folder (its newest checkpoint) or one checkpoint folder; the run's own
// config.json is the base, and flags given with --resume (e.g. a larger --steps) override it.
// Without --out a resumed run writes into the folder it resumes. Ctrl-C finishes the step in
// flight, writes a checkpoint and exits.

import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { openDeviceFor, targetFromEnv } from "../../runtime/executable.ts";
import { STATE_FILE } from "../../runtime/training/checkpoint.ts";
import type { TrainConfig } from "../../runtime/training/config.ts";
import { DEFAULTS, configFileLayer, resolveConfig } from "../../runtime/training/config.ts";
import type { StepMetrics } from "../../runtime/training/trainer.ts";
import { Trainer } from "../../runtime/training/trainer.ts";

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** How each field's flag value is parsed (strings stay strings; "null" turns clipping off). */
function parseFlag(field: keyof TrainConfig, raw: string): unknown {
  const d = DEFAULTS[field];
  if (field === "clip" || field === "resolution") return raw === "null" || raw === "off" || raw === "none" ? null : Number(raw);
  if (field === "sizes") {
    try {
      return JSON.parse(raw);
    } catch (e) {
      throw new Error(`--sizes: expected a JSON object such as '{"layers": 4}', got '${raw}' (${(e as Error).message})`);
    }
  }
  if (typeof d === "number") {
    const v = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(v)) throw new Error(`--${kebab(field)}: expected a number, got '${raw}'`);
    return v;
  }
  if (typeof d === "boolean") {
    if (raw !== "true" && raw !== "false") throw new Error(`--${kebab(field)}: expected true or false, got '${raw}'`);
    return raw === "true";
  }
  return raw;
}

/** Where a resumed run's config lives: the run folder of a checkpoint folder, or the run folder itself. */
function runFolderOf(resumePath: string): string {
  if (!existsSync(resumePath)) throw new Error(`--resume ${resumePath}: no such file or folder`);
  if (!statSync(resumePath).isDirectory()) throw new Error(`--resume ${resumePath}: expected a run folder or a checkpoint folder`);
  return existsSync(join(resumePath, STATE_FILE)) ? dirname(dirname(resumePath)) : resumePath;
}

function formatLosses(m: StepMetrics): string {
  return Object.entries(m.losses).map(([k, v]) => `${k === "loss" ? "loss" : k.slice(5)} ${v.toFixed(4)}`).join(" | ");
}

export function register(program: Command): void {
  const cmd = program.command("train")
    .description("train Show-o or MAGVIT-v2 on the compiled step (forward, backward, AdamW on the device); resumable")
    .option("--config <file>", "JSON file of config fields (paths relative to the file)")
    .option("--out <dir>", "run folder: config.json, metrics.csv, model.safetensors, loss.png, checkpoints/")
    .option("--resume <path>", "a run folder (its newest checkpoint) or a checkpoint folder to continue from");
  for (const field of Object.keys(DEFAULTS) as (keyof TrainConfig)[]) {
    cmd.option(`--${kebab(field)} <value>`, `config field '${field}' (default ${JSON.stringify(DEFAULTS[field])})`);
  }
  cmd.action(async (opts: Record<string, string | undefined>) => {
    const flags: Record<string, unknown> = {};
    for (const field of Object.keys(DEFAULTS) as (keyof TrainConfig)[]) {
      const raw = opts[field];
      if (raw !== undefined) flags[field] = parseFlag(field, raw);
    }
    const layers: { values: Record<string, unknown>; where: string; dir: string }[] = [];
    let out = opts["out"];
    if (opts["resume"]) {
      const run = runFolderOf(opts["resume"]);
      const file = join(run, "config.json");
      if (!existsSync(file)) throw new Error(`--resume ${opts["resume"]}: the run folder ${run} has no config.json`);
      layers.push(configFileLayer(file, readFileSync(file, "utf8")));
      out ??= run;
    }
    if (opts["config"]) layers.push(configFileLayer(opts["config"], readFileSync(opts["config"], "utf8")));
    layers.push({ values: flags, where: "flags", dir: process.cwd() });
    const config = resolveConfig(layers);
    if (!out) throw new Error("--out DIR is required (the run folder)");
    out = resolve(out);

    const device = await openDeviceFor(targetFromEnv());
    const trainer = new Trainer(config, out);
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      process.stderr.write("\nshowo train: stopping after this step (Ctrl-C again to quit without saving)\n");
      trainer.requestStop();
    };
    process.on("SIGINT", onSigint);
    const bar = new SingleBar({
      format: "step {value}/{total} [{bar}] {losses} | {speed} | ETA {eta_formatted}",
      stream: process.stderr, hideCursor: true, etaBuffer: 20, fps: 5, noTTYOutput: false,
    });
    let barStarted = false;
    let stepMs = 0, gapMs = 0, steps = 0;
    try {
      const last = await trainer.run({
        out, device, ...(opts["resume"] ? { resume: opts["resume"] } : {}),
        log: (l) => process.stderr.write(`${l}\n`),
        onReady: (i) => {
          process.stderr.write(`${config.model}: ${i.parameters.toLocaleString("en-US")} trainable parameters; step compiled in ${(i.compileMs / 1000).toFixed(1)} s ` +
            `(${i.kernels} kernels, ${i.dispatches} dispatches per step) on ${device.description}\n`);
          bar.start(config.steps, i.startStep, { losses: "", speed: "" });
          barStarted = true;
        },
        onStep: (m) => {
          steps++;
          stepMs += m.stepMs;
          gapMs += m.hostGapMs;
          bar.update(m.step, { losses: formatLosses(m), speed: `${m.throughput.toFixed(m.throughput < 100 ? 1 : 0)} ${m.throughputUnit}` });
        },
      });
      if (barStarted) bar.stop();
      if (last) process.stdout.write(`step ${last.step}/${last.totalSteps}: ${formatLosses(last)}; weights in ${join(out, "model.safetensors")}\n`);
      if (steps > 1) {
        process.stderr.write(`${steps} steps: ${(stepMs / steps).toFixed(0)} ms per step on the device, ${(gapMs / (steps - 1)).toFixed(1)} ms of host work between steps ` +
          `(${((100 * gapMs) / (steps - 1) / (stepMs / steps)).toFixed(1)}%; the next batch is built while the device runs)\n`);
      }
    } finally {
      if (barStarted) bar.stop();
      process.off("SIGINT", onSigint);
      device.dispose();
    }
  });
}
