// Host-side image pieces of T2I: PNG round trips, the §7.4 pixel mapping, the two bicubic resizes
// (PIL's antialiased one of image_transform, torch's interpolate of the inpainting mask), the
// mask threshold (against PyTorch's interpolate), and the extrapolation windows (with "down" keeping the upper part).

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import type { Image } from "../../runtime/image.ts";
import { fromSigned, readPng, resizeAndCrop, resizeBicubic, threshold, toGrey, toSigned, writePng } from "../../runtime/image.ts";
import type { Canvas } from "../../cli/commands/extrapolate.ts";
import { extendCanvas, extrapolationWindow } from "../../cli/commands/extrapolate.ts";
import { fixturePath } from "../golden/fixtures.ts";
import { mulberry32, testSeed } from "../util/random.ts";

const dir = mkdtempSync(join(tmpdir(), "showo-image-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rng = mulberry32(testSeed());

function randomImage(c: number, h: number, w: number): Image {
  return { channels: c, height: h, width: w, data: Float32Array.from({ length: c * h * w }, () => Math.floor(rng() * 256)) };
}

test("PNG: RGB and grey round trips; grey reads back as RGB", () => {
  const rgb = randomImage(3, 7, 5);
  writePng(join(dir, "rgb.png"), rgb);
  assert.deepEqual(readPng(join(dir, "rgb.png")), rgb);
  const grey = randomImage(1, 4, 6);
  writePng(join(dir, "g.png"), grey);
  const back = readPng(join(dir, "g.png"));
  assert.equal(back.channels, 3);
  for (let c = 0; c < 3; c++) assert.deepEqual(back.data.subarray(c * 24, (c + 1) * 24), grey.data);
  assert.deepEqual(toGrey(back).data, grey.data);
  assert.throws(() => readPng(join(dir, "none.png")), /cannot read/);
});

test("pixels from [−1, 1]: floor(clamp((x + 1)/2, 0, 1)·255); toSigned inverts the scaling", () => {
  const img = fromSigned([-2, -1, 0, 0.999, 1, 3, -0.5, 0.5, 0.25, 0, 0, 0], 1, 4);
  assert.deepEqual([...img.data], [0, 0, 127, 254, 255, 255, 63, 191, 159, 127, 127, 127]);
  const px = randomImage(3, 2, 2);
  const s = toSigned(px);
  s.forEach((v, i) => assert.ok(Math.abs((v + 1) / 2 * 255 - px.data[i]!) < 1e-4));
});

test("bicubic resizes: constants stay constant, linear ramps are reproduced inside, torch's taps match a hand computation", () => {
  const flat: Image = { channels: 1, height: 9, width: 11, data: new Float32Array(99).fill(200) };
  for (const mode of ["pil", "torch"] as const) {
    const r = resizeBicubic(flat, 4, 3, mode);
    assert.ok(r.data.every((v) => Math.abs(v - 200) < 1e-3), mode);
  }
  // 8 → 4 with torch: output x at source 2x + 0.5; a ramp 10·x is reproduced away from the borders.
  const ramp: Image = { channels: 1, height: 1, width: 8, data: Float32Array.from({ length: 8 }, (_, i) => 10 * i) };
  const t = resizeBicubic(ramp, 1, 4, "torch");
  assert.ok(Math.abs(t.data[1]! - 25) < 1e-4 && Math.abs(t.data[2]! - 45) < 1e-4, `${[...t.data]}`);
  // Left border: taps at −1, 0, 1, 2 (clamped to 0) with a = −0.75 at t = 0.5: weights −0.09375, 0.59375, 0.59375, −0.09375.
  assert.ok(Math.abs(t.data[0]! - (-0.09375 * 0 + 0.59375 * 0 + 0.59375 * 10 - 0.09375 * 20)) < 1e-4);
  const crop = resizeAndCrop(randomImage(3, 20, 30), 16);
  assert.deepEqual([crop.channels, crop.height, crop.width], [3, 16, 16]);
  assert.ok(crop.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
  assert.deepEqual([...threshold({ channels: 1, height: 1, width: 4, data: Float32Array.from([0.2, 0.5, 0.49, 0.9]) }, 0.5)], [0, 1, 0, 1]);
});

const grid = (h: number, w: number, base = 0): Canvas => ({ h, w, codes: Array.from({ length: h * w }, (_, i) => base + i) });

test("extrapolation windows: W/2 + K new and W/2 − K known columns/rows; the canvas keeps everything else", () => {
  const W = 4, c = grid(4, 4);
  const left = extrapolationWindow(c, "left", W, 1);
  assert.deepEqual(left.codes.slice(0, 4), [-1, -1, -1, 0]);
  const right = extrapolationWindow(c, "right", W, 0);
  assert.deepEqual(right.codes.slice(0, 4), [2, 3, -1, -1]);
  const up = extrapolationWindow(c, "up", W, 0);
  assert.deepEqual(up.codes, [...new Array<number>(8).fill(-1), 0, 1, 2, 3, 4, 5, 6, 7]);
  const down = extrapolationWindow(c, "down", W, 0);
  assert.deepEqual(down.codes, [8, 9, 10, 11, 12, 13, 14, 15, ...new Array<number>(8).fill(-1)]);
  // The generated window keeps its known rows; "down" joins it under the UPPER part of the canvas.
  const gen = { h: 4, w: 4, codes: down.codes.map((v, i) => (v < 0 ? 100 + i : v)) };
  const grown = extendCanvas(c, gen, "down", W, 0);
  assert.deepEqual([grown.h, grown.w], [6, 4]);
  assert.deepEqual(grown.codes, [...c.codes, 108, 109, 110, 111, 112, 113, 114, 115]);
  const genR = { h: 4, w: 4, codes: right.codes.map((v, i) => (v < 0 ? 100 + i : v)) };
  const wide = extendCanvas(c, genR, "right", W, 0);
  assert.deepEqual([wide.h, wide.w], [4, 6]);
  assert.deepEqual(wide.codes.slice(0, 6), [0, 1, 2, 3, 102, 103]);
  const genL = { h: 4, w: 4, codes: left.codes.map((v, i) => (v < 0 ? 100 + i : v)) };
  const wl = extendCanvas(c, genL, "left", W, 1);
  assert.deepEqual([wl.h, wl.w], [4, 7]);
  assert.deepEqual(wl.codes.slice(0, 7), [100, 101, 102, 0, 1, 2, 3]);
  assert.throws(() => extrapolationWindow(wide, "up", W, 0), /cannot extrapolate up: the canvas is 4×6 codes/);
});

test("inpainting mask: torch's bicubic resize to the code grid and the 0.5 threshold match PyTorch (tests/golden/sampler.py)", () => {
  const m = (JSON.parse(readFileSync(fixturePath("sample.index.json"), "utf8")) as { mask: { grey: number[]; size: [number, number]; grid: [number, number]; resized: number[]; bits: number[] } }).mask;
  const [H, W] = m.size, [h, w] = m.grid;
  // In [0, 255] as the mask image holds it; PyTorch resized grey/255.
  const r = resizeBicubic({ channels: 1, height: H, width: W, data: Float32Array.from(m.grey) }, h, w, "torch");
  r.data.forEach((v, i) => assert.ok(Math.abs(v / 255 - m.resized[i]!) < 1e-6, `${i}: ${v / 255} vs ${m.resized[i]}`));
  assert.deepEqual([...threshold(r, 0.5 * 255)], m.bits);
  assert.ok(m.bits.includes(0) && m.bits.includes(1));
});
