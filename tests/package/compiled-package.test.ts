// `showo compile showo-shapes --package DIR`: the generated package type-checks (the compile does
// it in memory with ts-morph and fails otherwise), imports in Node and, on the `webgpu` package's
// device, generates the same image codes as the project's own runtime for the same noise.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { pathToFileURL } from "node:url";
import { runCompile } from "../../cli/commands/compile.ts";
import { answerText, encodeImages, questionPrompt, understand } from "../../cli/commands/understand.ts";
import { MAGVIT2_SHAPES } from "../../models/magvit2.ts";
import { SHOWO_SHAPES } from "../../models/showo.ts";
import { philoxNoise } from "../../runtime/sampling/noise.ts";
import { T2IForward, sampleT2I, t2iRows } from "../../runtime/sampling/t2i.ts";
import { t2iBatchLayout } from "../../runtime/sampling/t2i-layout.ts";
import { shapesTokenizer } from "../../runtime/tokenizer/words.ts";
import { weightsFor } from "../../runtime/weights/shipped.ts";
import { openTestDeviceOrReason } from "../backends/util.ts";

const QUESTION = "What color is the background?";
const dir = mkdtempSync(join(tmpdir(), "showo-pkg-"));
const opened = await openTestDeviceOrReason();
afterAll(() => {
  opened.device?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test("showo-shapes as a package: type-checked; generate gives the Node runtime's codes for the same noise, understand its greedy answer", async () => {
  if (!opened.device) throw new Error(opened.fail ?? opened.skip);
  const device = opened.device;
  const steps = 4, prompt = "two blue squares on a white background";
  const { cond, uncond } = t2iRows(SHOWO_SHAPES, [shapesTokenizer().encode(prompt)]);
  // Only the P' this prompt's guided batch needs (the other P' differ in their prefix kernels only).
  const textLen = t2iBatchLayout(SHOWO_SHAPES, [...cond, ...uncond]).textLen;
  // --limits device: the kernels are the ones the project's runtime builds on this device, so its
  // run below (and other tests' runs of showo-shapes) find them in Mesa's shader cache.
  // The CLI's understand runs a prefill of the prompt's length and a cache of 100 more slots.
  const mmuPromptLen = questionPrompt(SHOWO_SHAPES, new Array<number>(SHOWO_SHAPES.imageTokens).fill(0), QUESTION).length;
  await runCompile("showo-shapes", { target: "wgsl", out: "", package: dir, limits: "device", textLens: [textLen], mmuPromptLen, mmuCacheLen: mmuPromptLen + 100 }, () => {});
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { type: string; types: string };
  assert.equal(pkg.type, "module");
  const mod = (await import(pathToFileURL(join(dir, "dist", "index.js")).href)) as typeof import("./compiled-package-types.ts");
  assert.deepEqual(mod.checkDevice(device.gpu), []);
  const showoW = readFileSync(weightsFor("showo-shapes", undefined, "--weights")), vqW = readFileSync(weightsFor("magvit2-shapes", undefined, "--vq-weights"));
  const p = await mod.ShowoPackage.create(device.gpu, { showo: new Uint8Array(showoW), vq: new Uint8Array(vqW) });
  await assert.rejects(p.generate("a", { steps }), new RegExp(`this prompt needs the T2I graphs for \\d+ text rows; showo-shapes-wgsl was compiled for ${textLen} \\(showo compile --text-lens\\)`));
  const noise = philoxNoise(7, { steps, batch: 1, tokens: SHOWO_SHAPES.imageTokens });
  const got = await p.generate(prompt, { steps, guidance: 1.75, noise });

  // Understanding: a red square on white, the shipped-model test's question.
  const img = { channels: 3, width: 32, height: 32, data: new Float32Array(3 * 32 * 32).fill(255) };
  for (let y = 8; y < 24; y++) for (let x = 8; x < 24; x++) for (const [c, v] of [255, 0, 0].entries()) img.data[c * 1024 + y * 32 + x] = v;
  const streamed: string[] = [];
  const ans = await p.understand(img, QUESTION, { onToken: (_t, text) => streamed.push(text) });
  p.dispose();
  const [codes] = await encodeImages([img], SHOWO_SHAPES, MAGVIT2_SHAPES, weightsFor("magvit2-shapes", undefined, "--vq-weights"), device);
  assert.deepEqual([...ans.codes], codes);
  const mmu = await understand({ cfg: SHOWO_SHAPES, weights: weightsFor("showo-shapes", undefined, "--weights"), prompts: [questionPrompt(SHOWO_SHAPES, codes!, QUESTION)], maxNewTokens: 100, device });
  assert.deepEqual([...ans.tokens], mmu.tokens[0]);
  assert.equal(ans.answer, answerText(mmu.tokens[0]!, SHOWO_SHAPES));
  assert.equal(streamed.at(-1), ans.answer);

  const fwd = await T2IForward.create(SHOWO_SHAPES, 2, weightsFor("showo-shapes", undefined, "--weights"), device);
  try {
    const want = await sampleT2I(SHOWO_SHAPES, cond, uncond, { steps, guidance: 1.75, temperature: 1, schedule: "cosine", annealing: "compounding" }, noise, fwd.logits);
    assert.deepEqual([...got.codes], [...want]);
  } finally {
    fwd.dispose();
  }
  assert.equal(got.rgba.length, 32 * 32 * 4);
});
