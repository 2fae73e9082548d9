// The training loop end to end on WGSL (runtime/training/trainer.ts) with showo-tiny on a small
// image–caption folder, a text file and a question–answer file made here, the frozen tokenizer
// being the golden magvit2-tiny weights:
//   - a straight run of 4 steps and a run resumed from its step-2 checkpoint end with
//     byte-identical model.safetensors (and the same metrics rows);
//   - the run folder holds what the docs promise (config.json, metrics.csv columns, loss.png,
//     checkpoints kept to the configured count), and model.safetensors loads as Show-o weights;
//   - corrupted, truncated, incomplete and non-finite checkpoints are refused, naming the file
//     (and the tensor);
//   - --init-weights reads a released-style checkpoint; MAGVIT-v2 trains from an image folder;
//   - the command line: Ctrl-C writes a checkpoint and exits 0, and --resume continues from it.
// Config errors are checked without a device (resolveConfig names the field).

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, cpSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { tensor } from "../../compiler/ir/ref.ts";
import { MAGVIT2_TINY, Magvit2 } from "../../models/magvit2.ts";
import { SHOWO_TINY, Showo } from "../../models/showo.ts";
import { openDeviceFor } from "../../runtime/executable.ts";
import { writePng } from "../../runtime/image.ts";
import { loadCheckpoint, resolveCheckpointDir, saveCheckpoint } from "../../runtime/training/checkpoint.ts";
import { DEFAULTS, resolveConfig } from "../../runtime/training/config.ts";
import type { TrainConfig } from "../../runtime/training/config.ts";
import { Trainer } from "../../runtime/training/trainer.ts";
import { MAGVIT2_KEYMAP, SHOWO_KEYMAP, SafetensorsFile, loadWeights } from "../../runtime/weights/index.ts";

const VQ = new URL("../golden/fixtures/magvit2-tiny.safetensors", import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), "showo-train-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Four 16×16 pictures of coloured squares, captions, texts and questions about them. */
function makeData(dir: string): void {
  const colours: [string, number[]][] = [["red", [230, 20, 20]], ["green", [20, 200, 40]], ["blue", [30, 40, 220]], ["yellow", [240, 220, 30]]];
  const caps: string[] = [], qa: string[] = [], text: string[] = [];
  colours.forEach(([name, c], k) => {
    const S = 16, data = new Float32Array(3 * S * S);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const inside = x >= 3 + k && x < 11 + k && y >= 4 && y < 12;
        for (let ch = 0; ch < 3; ch++) data[ch * S * S + y * S + x] = inside ? c[ch]! : 250;
      }
    }
    writePng(join(dir, `${k}.png`), { channels: 3, height: S, width: S, data });
    caps.push(JSON.stringify({ image: `${k}.png`, caption: `a ${name} square` }));
    qa.push(JSON.stringify({ image: `${k}.png`, question: "colour?", answer: name }));
    text.push(JSON.stringify({ text: `the square is ${name}` }));
  });
  writeFileSync(join(dir, "captions.jsonl"), `${caps.join("\n")}\n`);
  writeFileSync(join(dir, "qa.jsonl"), `${qa.join("\n")}\n`);
  writeFileSync(join(dir, "text.jsonl"), `${text.join("\n")}\n`);
}

const data = join(root, "data");
mkdirSync(data, { recursive: true });
makeData(data);

const config: TrainConfig = resolveConfig([{
  values: {
    model: "showo-tiny", steps: 4, lr: 2e-3, warmup: 1, seed: 7, images: data, text: join(data, "text.jsonl"), qa: join(data, "qa.jsonl"),
    vqWeights: VQ, t2iBatch: 2, lmBatch: 1, mmuBatch: 1, saveEvery: 2, keepCheckpoints: 2,
  },
  where: "test",
  dir: root,
}]);

const dev = await openDeviceFor("wgsl");
afterAll(() => dev.dispose());

test("a run resumed from its step-2 checkpoint ends byte-identical to the straight run", async () => {
  const a = join(root, "a"), b = join(root, "b");
  const straight = await new Trainer(config, a).run({ out: a, device: dev });
  assert.equal(straight?.step, 4);
  for (const f of ["config.json", "metrics.csv", "model.safetensors", "loss.png"]) assert.ok(existsSync(join(a, f)), `run folder lacks ${f}`);
  assert.deepEqual(readdirSync(join(a, "checkpoints")).sort(), ["step-2", "step-4"]);
  const csv = readFileSync(join(a, "metrics.csv"), "utf8").trim().split("\n");
  assert.equal(csv[0], "step,loss,loss_t2i,loss_lm,loss_mmu,lr,grad_norm,tokens_per_s,step_ms");
  assert.equal(csv.length, 5);
  const losses = csv.slice(1).map((l) => Number(l.split(",")[1]));
  assert.ok(losses.every(Number.isFinite), `losses ${losses}`);

  const resumed = await new Trainer(config, b).run({ out: b, device: dev, resume: join(a, "checkpoints", "step-2") });
  assert.equal(resumed?.step, 4);
  assert.ok(readFileSync(join(a, "model.safetensors")).equals(readFileSync(join(b, "model.safetensors"))), "model.safetensors differs between the straight and the resumed run");
  const rows = (dir: string) => readFileSync(join(dir, "metrics.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").slice(0, 7).join(","));
  assert.deepEqual(rows(b), rows(a).slice(2), "the resumed run's losses differ from the straight run's");

  // The weights load as a Show-o checkpoint, as generate and understand read them.
  const w = await loadWeights(join(a, "model.safetensors"), new Showo(SHOWO_TINY).namedParameters(), SHOWO_KEYMAP);
  assert.equal(w["lm_head.bias"]!.shape[0], SHOWO_TINY.vocab);
  // A run folder resolves to its newest checkpoint.
  assert.equal(resolveCheckpointDir(a), join(a, "checkpoints", "step-4"));
});

test("corrupt, truncated, incomplete and non-finite checkpoints are refused with the file named", async () => {
  const run = join(root, "ck");
  const w = { "x.weight": tensor("f32", [2, 3], [1, 2, 3, 4, 5, 6]) };
  const m = { "optim.m.x.weight": tensor("f32", [2, 3]), "optim.v.x.weight": tensor("f32", [2, 3]) };
  const state = { step: 3, totalSteps: 10, model: "showo-tiny", seed: 1, rng: { seed: 1, nextStep: 3 } };
  const dir = await saveCheckpoint(run, state, w, m, 3);
  const ok = await loadCheckpoint(dir);
  assert.deepEqual(Array.from(ok.weights["x.weight"]!.data), [1, 2, 3, 4, 5, 6]);

  const copy = (name: string) => {
    const d = join(root, name);
    cpSync(dir, d, { recursive: true });
    return d;
  };
  const flipped = copy("flipped");
  const bytes = readFileSync(join(flipped, "model.safetensors"));
  bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x40;
  writeFileSync(join(flipped, "model.safetensors"), bytes);
  await assert.rejects(loadCheckpoint(flipped), /model\.safetensors is corrupt \(SHA-256/);

  const cut = copy("cut");
  truncateSync(join(cut, "optimizer.safetensors"), 40);
  await assert.rejects(loadCheckpoint(cut), /optimizer\.safetensors is 40 bytes, state\.json says \d+ \(truncated/);

  const noState = copy("nostate");
  rmSync(join(noState, "state.json"));
  await assert.rejects(loadCheckpoint(noState), /state\.json is missing/);
  assert.throws(() => resolveCheckpointDir(join(root, "nowhere")), /no such file or folder/);

  const nan = await saveCheckpoint(join(root, "nan"), state, { "x.weight": tensor("f32", [2, 3], [1, 2, NaN, 4, 5, 6]) }, m, 3);
  await assert.rejects(loadCheckpoint(nan), /tensor 'x\.weight' holds a non-finite value \(NaN\) at element 2/);

  // Only the newest `keep` checkpoints stay.
  for (const s of [4, 5, 6]) await saveCheckpoint(run, { ...state, step: s }, w, m, 2);
  assert.deepEqual(readdirSync(join(run, "checkpoints")).sort(), ["step-5", "step-6"]);
});

test("bad configs fail at once with the field named", () => {
  const bad = (values: Record<string, unknown>, re: RegExp) => assert.throws(() => resolveConfig([{ values, where: "flags", dir: root }]), re);
  bad({ lr: -1, text: "t.jsonl" }, /field 'lr' must be a positive number, got -1/);
  bad({ steps: 2.5, text: "t.jsonl" }, /field 'steps' must be a positive integer/);
  bad({ lerning_rate: 1 }, /unknown field 'lerning_rate'/);
  bad({ model: "showo-huge", text: "t.jsonl" }, /field 'model': unknown model 'showo-huge'/);
  bad({ model: "showo-tiny" }, /a Show-o run needs at least one data source/);
  bad({ images: "imgs" }, /field 'vqWeights': image data needs the frozen MAGVIT-v2 tokenizer/);
  bad({ model: "magvit2-tiny" }, /field 'images': a MAGVIT-v2 run needs an image folder/);
  bad({ text: "t.jsonl", warmup: 500, steps: 10 }, /field 'warmup': 500 warm-up steps exceed the run's 10 steps/);
  bad({ text: "t.jsonl", decayFilter: "none" }, /field 'decayFilter'/);
  bad({ text: "t.jsonl", clip: 0 }, /field 'clip' must be a positive number or null/);
  const ok = resolveConfig([{ values: { text: "t.jsonl", clip: null }, where: "flags", dir: root }]);
  assert.equal(ok.clip, null);
  assert.equal(ok.text, join(root, "t.jsonl"));
  assert.equal(ok.lr, DEFAULTS.lr);
});

test("--init-weights starts from a released-style Show-o checkpoint (keys with the showo. prefix, F16)", async () => {
  const golden = new URL("../golden/fixtures/showo-tiny.safetensors", import.meta.url).pathname;
  const out = join(root, "init");
  // One step with warm-up: its learning rate is 0, so the weights come out exactly as they went in.
  const c = resolveConfig([{ values: { text: join(data, "text.jsonl"), initWeights: golden, steps: 1, warmup: 1, lmBatch: 1, seed: 3 }, where: "test", dir: root }]);
  await new Trainer(c, out).run({ out, device: dev });
  const expected = new Showo(SHOWO_TINY).namedParameters();
  const want = await loadWeights(golden, expected, SHOWO_KEYMAP);
  const got = await loadWeights(join(out, "model.safetensors"), expected, SHOWO_KEYMAP);
  for (const p of expected) assert.deepEqual(Array.from(got[p.name]!.data.subarray(0, 64)), Array.from(want[p.name]!.data.subarray(0, 64)), p.name);
});

test("MAGVIT-v2 trains from an image folder, and its weights load as the tokenizer's", async () => {
  const out = join(root, "vq");
  const c = resolveConfig([{ values: { model: "magvit2-tiny", images: data, batch: 2, resolution: 16, steps: 2, lr: 1e-3 }, where: "test", dir: root }]);
  const last = await new Trainer(c, out).run({ out, device: dev });
  assert.ok(last && Number.isFinite(last.losses["loss"]!) && "loss_recon" in last.losses && "loss_entropy" in last.losses);
  assert.equal(readFileSync(join(out, "metrics.csv"), "utf8").split("\n")[0], "step,loss,loss_recon,loss_commit,loss_entropy,lr,grad_norm,images_per_s,step_ms");
  const w = await loadWeights(join(out, "model.safetensors"), new Magvit2(MAGVIT2_TINY).namedParameters(), MAGVIT2_KEYMAP);
  assert.ok(Object.keys(w).length > 0);
});

test("showo train on the command line: Ctrl-C writes a checkpoint and exits cleanly; --resume continues from it", async () => {
  const out = join(root, "cli");
  const args = ["cli/showo.js", "train", "--model", "showo-tiny", "--text", join(data, "text.jsonl"), "--lm-batch", "1", "--steps", "400", "--lr", "1e-3", "--out", out];
  const child = spawn(process.execPath, args, { cwd: new URL("../../", import.meta.url).pathname, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  // Interrupt once a few steps are logged.
  const metrics = join(out, "metrics.csv");
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 250));
    if (existsSync(metrics) && readFileSync(metrics, "utf8").trim().split("\n").length > 3) break;
  }
  child.kill("SIGINT");
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  assert.equal(code, 0, stderr);
  assert.match(stderr, /stopped at step (\d+) of 400; resume with --resume/);
  const at = Number(/stopped at step (\d+)/.exec(stderr)![1]);
  assert.deepEqual(readdirSync(join(out, "checkpoints")), [`step-${at}`]);
  const resumed = spawnSync(process.execPath, [...args.slice(0, 2), "--resume", out, "--steps", String(at + 1)], { cwd: new URL("../../", import.meta.url).pathname, encoding: "utf8" });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`step ${at + 1}/${at + 1}: loss`));
  assert.ok(readdirSync(join(out, "checkpoints")).includes(`step-${at + 1}`));
});

test("a config file's own sizes: trained, checked, and recorded in the weights' metadata", async () => {
  const out = join(root, "sizes");
  const sizes = { layers: 1, hidden: 32, heads: 2, mlp: 64 };
  const c = resolveConfig([{ values: { text: join(data, "text.jsonl"), sizes, steps: 2, lmBatch: 1, lr: 1e-3 }, where: "test", dir: root }]);
  const last = await new Trainer(c, out).run({ out, device: dev });
  assert.ok(last && Number.isFinite(last.losses["loss"]!));
  const f = await SafetensorsFile.open(join(out, "model.safetensors"));
  try {
    const cfg = JSON.parse(f.header.metadata!["config"]!) as Record<string, unknown>;
    assert.deepEqual([cfg["layers"], cfg["hidden"], cfg["heads"], cfg["mlp"]], [1, 32, 2, 64]);
    assert.deepEqual(f.header.tensors.find((t) => t.name === "lm_head.weight")!.shape, [SHOWO_TINY.vocab, 32]);
    assert.equal(f.header.tensors.filter((t) => t.name.startsWith("model.layers.1.")).length, 0);
  } finally {
    await f.close();
  }
  const bad = (s: Record<string, unknown>, re: RegExp) => assert.throws(() => resolveConfig([{ values: { text: "t.jsonl", sizes: s }, where: "flags", dir: root }]), re);
  bad({ layers: 0 }, /field 'sizes.layers' must be a positive number/);
  bad({ depth: 3 }, /config field 'sizes.depth': not a size of showo-tiny/);
  bad({ hidden: 30, heads: 4 }, /config field 'sizes': /);
});
