// `showo generate`, `inpaint` and `extrapolate` run as child processes on the golden showo-tiny
// and magvit2-tiny weights: the pre-tokenised path (--ids --uncond-ids --noise --codes-out)
// reproduces the PyTorch sampler's codes exactly (tests/golden/sampler.py; guided T2I and
// inpainting), the seeded path is deterministic, PNGs come out at the tokenizer's resolution,
// and bad input fails with a message that says what is wrong.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { fileURLToPath } from "node:url";
import { readPng, writePng } from "../../runtime/image.ts";
import { readNpy, writeNpy } from "../../runtime/npy.ts";
import { fixturePath } from "../golden/fixtures.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "showo-generate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const W = fixturePath("showo-tiny.safetensors"), VQ = fixturePath("magvit2-tiny.safetensors");
const index = JSON.parse(readFileSync(fixturePath("sample.index.json"), "utf8")) as { cases: Record<string, { steps: number; guidance: number; temperature: number }> };

function showo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("generate --ids --uncond-ids --noise --codes-out: the PyTorch sampler's codes exactly (guided T2I and inpainting), with text K/V reuse and with --no-reuse", () => {
  for (const [name, reuse] of [["sample_t2i", true], ["sample_inpaint", true], ["sample_t2i", false]] as const) {
    const c = index.cases[name]!;
    const out = join(dir, `${name}.${reuse}.codes.npy`);
    const r = showo("generate", "--model", "showo-tiny", "--weights", W, "--ids", fixturePath(`${name}.ids.json`), "--uncond-ids", fixturePath(`${name}.uncond.json`),
      "--noise", fixturePath(`${name}.noise.npy`), "--steps", String(c.steps), "--guidance", String(c.guidance), "--temperature", String(c.temperature), "--codes-out", out,
      ...(reuse ? [] : ["--no-reuse"]));
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    assert.match(r.stdout, /wrote codes int32 \[\d, 16\]/);
    assert.match(r.stdout, reuse ? /text K\/V reused: layers .* per step instead of/ : /no text K\/V reuse/);
    const got = readNpy(out), want = readNpy(fixturePath(`${name}.codes.npy`));
    assert.equal(got.dtype, "i4");
    assert.deepEqual(got.shape, want.shape);
    assert.deepEqual([...got.data as Int32Array], [...want.data as Int32Array], name);
  }
});

test("generate --prompt --seed: deterministic codes, one PNG per prompt at 16×16 (showo-tiny + magvit2-tiny); a checkpoint folder loads too", () => {
  // The second run reads the weights as a released checkpoint folder (pytorch_model.safetensors + config.json).
  const folder = join(dir, "show-o-tiny");
  mkdirSync(folder);
  copyFileSync(W, join(folder, "pytorch_model.safetensors"));
  writeFileSync(join(folder, "config.json"), JSON.stringify({ _class_name: "Showo" }));
  const run = (tag: string) => {
    const codes = join(dir, `seed-${tag}.npy`), out = join(dir, `png-${tag}`);
    const r = showo("generate", "--model", "showo-tiny", "--weights", tag === "a" ? W : folder, "--vq-weights", VQ, "--prompt", "a photo of a cat", "--prompt", "a red car",
      "--steps", "3", "--seed", "5", "--codes-out", codes, "--out", out, "--no-progress");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /LM head .* per forward instead of/);
    return { codes: readNpy(codes), out };
  };
  const a = run("a"), b = run("b");
  assert.deepEqual(a.codes.shape, [2, 16]);
  assert.deepEqual(a.codes.data, b.codes.data);
  for (const f of ["000.png", "001.png"]) {
    const img = readPng(join(a.out, f));
    assert.equal(img.height, 16);
    assert.equal(img.width, 16);
    assert.deepEqual(readFileSync(join(a.out, f)), readFileSync(join(b.out, f)));
  }
});

test("generate: bad input fails with a clear message", () => {
  const base = ["generate", "--model", "showo-tiny", "--weights", W];
  const ids = fixturePath("sample_t2i.ids.json");
  const cases: [string[], RegExp][] = [
    [[...base, "--prompt", "x", "--steps", "2"], /give --out DIR to write PNGs \(or --codes-out/],
    [[...base, "--prompt", "x", "--steps", "2", "--out", join(dir, "no-vq")], /magvit2-tiny has no shipped weights: give --vq-weights FILE/],
    [[...base, "--codes-out", join(dir, "x.npy")], /nothing to generate/],
    [[...base, "--ids", ids, "--steps", "3", "--noise", fixturePath("sample_t2i.noise.npy"), "--codes-out", join(dir, "x.npy")], /noise.npy: expected float32 \[3, 2, 16, 2\].*got float32 \[5, 2, 16, 2\]/],
    [[...base, "--ids", ids, "--steps", "0", "--codes-out", join(dir, "x.npy")], /--steps must be a positive integer, got '0'/],
    [[...base, "--ids", ids, "--guidance", "-1", "--codes-out", join(dir, "x.npy")], /--guidance must be a number ≥ 0/],
  ];
  const bad = join(dir, "bad.json");
  writeFileSync(bad, JSON.stringify([[1, 2, 3]]));
  cases.push([[...base, "--ids", bad, "--codes-out", join(dir, "x.npy")], /row 0: 3 ids; a showo-tiny T2I row has 35/]);
  const zero = join(dir, "zero.npy");
  const z = new Float32Array(5 * 2 * 16 * 2).fill(0.5);
  z[7] = 0;
  writeNpy(zero, { shape: [5, 2, 16, 2], data: z });
  cases.push([[...base, "--ids", ids, "--steps", "5", "--noise", zero, "--codes-out", join(dir, "x.npy")], /value 0 at \[0, 0, 3, 1\] is not strictly inside \(0, 1\)/]);
  for (const [args, msg] of cases) {
    const r = showo(...args);
    assert.equal(r.status, 1, `${args.join(" ")}: exit ${r.status}`);
    assert.match(r.stderr, msg);
  }
});

test("inpaint and extrapolate: PNGs out, known codes kept, the canvas grows by W/2 + offset", () => {
  // A 20×24 source (resized and centre-cropped to 16×16) and a mask whose white centre covers 2×2 codes.
  const src = new Float32Array(3 * 20 * 24).map((_, i) => (i * 37) % 256);
  writePng(join(dir, "in.png"), { channels: 3, height: 20, width: 24, data: src });
  const mask = new Float32Array(32 * 32).map((_, i) => (Math.floor(i / 32) >= 8 && Math.floor(i / 32) < 24 && i % 32 >= 8 && i % 32 < 24 ? 255 : 0));
  writePng(join(dir, "mask.png"), { channels: 1, height: 32, width: 32, data: mask });
  const common = ["--model", "showo-tiny", "--weights", W, "--vq-weights", VQ, "--image", join(dir, "in.png"), "--steps", "2", "--no-progress"];
  const r = showo("inpaint", ...common, "--mask", join(dir, "mask.png"), "--prompt", "a cat", "--out", join(dir, "inp"), "--codes-out", join(dir, "inp.npy"));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /4 of 16 codes regenerated/);
  assert.equal(readPng(join(dir, "inp", "000.png")).width, 16);
  const e = showo("extrapolate", ...common, "--direction", "right", "--direction", "left", "--offset", "1", "--prompt", "a cat", "--out", join(dir, "ext"), "--codes-out", join(dir, "ext.npy"));
  assert.equal(e.status, 0, e.stderr);
  assert.deepEqual(readNpy(join(dir, "ext.npy")).shape, [4, 10]);
  const img = readPng(join(dir, "ext", "000.png"));
  assert.deepEqual([img.height, img.width], [16, 40]);
  const bad = showo("extrapolate", ...common, "--direction", "right", "--direction", "up", "--prompt", "a cat", "--out", join(dir, "ext2"));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /cannot extrapolate up: the canvas is 4×6 codes/);
});
