// `showo compile showo-shapes --package DIR`: the generated package type-checks (the compile does
// it in memory with ts-morph and fails otherwise), imports in Node and, on the `webgpu` package's
// device, generates the same image codes as the project's own runtime for the same noise.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { runCompile } from "../../cli/commands/compile.ts";
import { SHOWO_SHAPES } from "../../models/showo.ts";
import { philoxNoise } from "../../runtime/sampling/noise.ts";
import { T2IForward, sampleT2I, t2iRows } from "../../runtime/sampling/t2i.ts";
import { t2iBatchLayout } from "../../runtime/sampling/t2i-layout.ts";
import { shapesTokenizer } from "../../runtime/tokenizer/words.ts";
import { weightsFor } from "../../runtime/weights/shipped.ts";
import { openTestDeviceOrReason } from "../backends/util.ts";

const dir = mkdtempSync(join(tmpdir(), "showo-pkg-"));
const opened = await openTestDeviceOrReason();
after(() => {
  opened.device?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test("showo-shapes as a package: type-checked, and generate gives the Node runtime's codes for the same noise", async () => {
  if (!opened.device) throw new Error(opened.fail ?? opened.skip);
  const device = opened.device;
  const steps = 4, prompt = "two blue squares on a white background";
  const { cond, uncond } = t2iRows(SHOWO_SHAPES, [shapesTokenizer().encode(prompt)]);
  // Only the P' this prompt's guided batch needs (the other P' differ in their prefix kernels only).
  const textLen = t2iBatchLayout(SHOWO_SHAPES, [...cond, ...uncond]).textLen;
  // --limits device: the kernels are the ones the project's runtime builds on this device, so its
  // run below (and other tests' runs of showo-shapes) find them in Mesa's shader cache.
  await runCompile("showo-shapes", { target: "wgsl", out: "", package: dir, limits: "device", textLens: [textLen] }, () => {});
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { type: string; types: string };
  assert.equal(pkg.type, "module");
  const mod = (await import(pathToFileURL(join(dir, "dist", "index.js")).href)) as typeof import("./compiled-package-types.ts");
  assert.deepEqual(mod.checkDevice(device.gpu), []);
  const showoW = readFileSync(weightsFor("showo-shapes", undefined, "--weights")), vqW = readFileSync(weightsFor("magvit2-shapes", undefined, "--vq-weights"));
  const p = await mod.ShowoPackage.create(device.gpu, { showo: new Uint8Array(showoW), vq: new Uint8Array(vqW) });
  await assert.rejects(p.generate("a", { steps }), new RegExp(`this prompt needs the T2I graphs for \\d+ text rows; showo-shapes-wgsl was compiled for ${textLen} \\(showo compile --text-lens\\)`));
  const noise = philoxNoise(7, { steps, batch: 1, tokens: SHOWO_SHAPES.imageTokens });
  const got = await p.generate(prompt, { steps, guidance: 1.75, noise });
  p.dispose();

  const fwd = await T2IForward.create(SHOWO_SHAPES, 2, weightsFor("showo-shapes", undefined, "--weights"), device);
  try {
    const want = await sampleT2I(SHOWO_SHAPES, cond, uncond, { steps, guidance: 1.75, temperature: 1, schedule: "cosine", annealing: "compounding" }, noise, fwd.logits);
    assert.deepEqual([...got.codes], [...want]);
  } finally {
    fwd.dispose();
  }
  assert.equal(got.rgba.length, 32 * 32 * 4);
});
