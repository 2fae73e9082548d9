// The browser page in a real browser: `showo serve` (startServer) compiles showo-shapes for
// portable limits; Debian's Chromium, driven by playwright-core, loads the page over
// http://127.0.0.1 and runs the package on its own WebGPU adapter (SwiftShader). The codes it
// generates from a prompt and a noise file, and its answer to a question about that picture, must
// equal the project's own runtime's in Node on Dawn. A screenshot goes to out/web-page.png.
//
// Chromium is part of the set-up (scripts/setup.sh); without it this test fails, unless
// SHOWO_SKIP_BROWSER=1 says the person running the tests opts out.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, test } from "vitest";
import type { RunningServer } from "../../cli/commands/serve.ts";
import { startServer } from "../../cli/commands/serve.ts";
import { answerText, encodeImages, questionPrompt, understand } from "../../cli/commands/understand.ts";
import { vqDecode } from "../../cli/commands/vq.ts";
import { MAGVIT2_SHAPES } from "../../models/magvit2.ts";
import { fromSigned } from "../../runtime/image-data.ts";
import { SHOWO_SHAPES } from "../../models/showo.ts";
import { packageRoot } from "../../runtime/package-root.ts";
import { writeNpy } from "../../runtime/npy.ts";
import { philoxNoise } from "../../runtime/sampling/noise.ts";
import { T2IForward, sampleT2I, t2iRows } from "../../runtime/sampling/t2i.ts";
import { t2iBatchLayout } from "../../runtime/sampling/t2i-layout.ts";
import { shapesTokenizer } from "../../runtime/tokenizer/words.ts";
import { weightsFor } from "../../runtime/weights/shipped.ts";
import { openTestDeviceOrReason } from "../backends/util.ts";

const CHROMIUM = process.env["SHOWO_CHROMIUM"] ?? "/usr/bin/chromium";
const OPT_OUT = process.env["SHOWO_SKIP_BROWSER"] === "1";
// The prompt and question of tests/package/compiled-package.test.ts (and the question of
// shipped-model.test.ts): the Node run's kernels are the ones those tests compile, so in the suite
// Mesa compiles them once.
const PROMPT = "two blue squares on a white background", QUESTION = "What color is the background?", STEPS = 8;

const work = mkdtempSync(join(tmpdir(), "showo-web-"));
let server: RunningServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  // Only the P' the prompt's guided batch needs: the page builds every pipeline of its package.
  const { cond, uncond } = t2iRows(SHOWO_SHAPES, [shapesTokenizer().encode(PROMPT)]);
  const textLen = t2iBatchLayout(SHOWO_SHAPES, [...cond, ...uncond]).textLen;
  server = await startServer({ port: 0, host: "127.0.0.1", limits: "portable", textLens: [textLen] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

test.skipIf(OPT_OUT)("the page generates the Node run's codes from a noise file and gives its answer, in headless Chromium", async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it (as root: apt-get install --no-install-recommends chromium; make test's set-up does), point SHOWO_CHROMIUM at one, or opt out with SHOWO_SKIP_BROWSER=1`);
  }
  const srv = server!;
  const noise = philoxNoise(11, { steps: STEPS, batch: 1, tokens: SHOWO_SHAPES.imageTokens });
  const noiseFile = join(work, "noise.npy");
  writeNpy(noiseFile, { shape: [STEPS, 1, SHOWO_SHAPES.imageTokens, 2], data: noise.data });

  const t0 = performance.now();
  const mark = (what: string) => console.log(`# ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // The Node run: the project's own runtime on Dawn (its T2I sampler, MAGVIT-v2 decoder and
  // encoder, and the cached MMU decode of `showo understand`).
  const opened = await openTestDeviceOrReason();
  if (!opened.device) throw new Error(opened.fail ?? opened.skip);
  const device = opened.device;
  const showoW = weightsFor("showo-shapes", undefined, "--weights"), vqW = weightsFor("magvit2-shapes", undefined, "--vq-weights");
  let want: { codes: number[]; answer: string };
  try {
    const fwd = await T2IForward.create(SHOWO_SHAPES, 2, showoW, device);
    let codes: Int32Array;
    try {
      const { cond, uncond } = t2iRows(SHOWO_SHAPES, [shapesTokenizer().encode(PROMPT)]);
      codes = await sampleT2I(SHOWO_SHAPES, cond, uncond, { steps: STEPS, guidance: 1.75, temperature: 1, schedule: "cosine", annealing: "compounding" }, noise, fwd.logits);
    } finally {
      fwd.dispose();
    }
    const side = 32, grid = 8;
    const decoded = await vqDecode({ dtype: "i4", shape: [1, grid * grid], data: codes }, { model: "magvit2-shapes", weights: vqW, grid: [grid, grid] }, "codes");
    const [imageCodes] = await encodeImages([fromSigned(decoded.image, side, side)], SHOWO_SHAPES, MAGVIT2_SHAPES, vqW, device);
    const mmu = await understand({ cfg: SHOWO_SHAPES, weights: showoW, prompts: [questionPrompt(SHOWO_SHAPES, imageCodes!, QUESTION)], maxNewTokens: 32, device });
    want = { codes: [...codes], answer: answerText(mmu.tokens[0]!, SHOWO_SHAPES) };
  } finally {
    device.dispose();
  }

  mark("Node run");
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless=new", "--no-sandbox", "--enable-unsafe-webgpu"] });
  const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(srv.url);
  const settled = async (what: string) => {
    await page.waitForSelector("body[data-state=ready], body[data-state=error]", { timeout: 600_000 });
    const state = await page.getAttribute("body", "data-state");
    assert.equal(state, "ready", `${what}: the page says "${await page.textContent("#status")}" (page errors: ${errors.join("; ") || "none"})`);
  };
  await settled("loading the package");
  mark("page ready");
  assert.match((await page.textContent("#model"))!, /showo-shapes with magvit2-shapes, compiled for portable limits\. Weights trained here/);

  await page.fill("#prompt", PROMPT);
  await page.setInputFiles("#noise", noiseFile);
  await page.click("#generate");
  await page.waitForSelector("body:not([data-state=ready])", { timeout: 10_000 });
  await settled("generating");
  assert.equal(await page.getAttribute("#progress", "value"), String(STEPS), "the progress bar ends on the last step");
  assert.equal(await page.textContent("#progress-text"), `${STEPS} / ${STEPS}`);
  mark("page generated");
  const codes = (await page.textContent("#codes"))!.trim().split(" ").map(Number);
  assert.deepEqual(codes, want.codes, "the browser's codes differ from Node's for the same noise");

  await page.fill("#question", QUESTION);
  await page.click("#ask");
  await page.waitForSelector("body:not([data-state=ready])", { timeout: 10_000 });
  await settled("answering");
  mark("page answered");
  assert.equal(await page.textContent("#answer"), want.answer);

  // A refused request leaves the page usable.
  await page.fill("#prompt", "  ");
  await page.click("#generate");
  assert.equal(await page.textContent("#status"), "type a prompt first");
  assert.equal(await page.getAttribute("body", "data-state"), "ready");
  await page.fill("#prompt", PROMPT);

  mkdirSync(join(packageRoot(), "out"), { recursive: true });
  const shot = join(packageRoot(), "out", "web-page.png");
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(readFileSync(shot).length > 1000);
  assert.deepEqual(errors, []);
}, 1_200_000);
