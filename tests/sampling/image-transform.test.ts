// Show-o's image_transform geometry against PIL (tests/golden/mmu-fixtures/image_transform.json,
// made by tests/golden/image_transform.py): PIL BICUBIC on the shorter side, torchvision's centre
// crop with Python's round (halves to even). Both orientations, shrinking and enlarging; every
// 8-bit value must be equal. Then the scaling to [−1, 1].

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "vitest";
import type { Image } from "../../runtime/image.ts";
import { roundHalfEven } from "../../runtime/image.ts";
import { imageTransform, resizeAndCropForMmu } from "../../runtime/sampling/image-transform.ts";

interface Case { image: number[][][]; out: Record<string, number[][][]> }
const gold = JSON.parse(readFileSync(new URL("../golden/mmu-fixtures/image_transform.json", import.meta.url), "utf8")) as { cases: Case[] };

/** [H][W][3] → planar Image. */
function planar(a: number[][][]): Image {
  const H = a.length, W = a[0]!.length, data = new Float32Array(3 * H * W);
  a.forEach((row, y) => row.forEach((px, x) => px.forEach((v, c) => (data[(c * H + y) * W + x] = v))));
  return { channels: 3, height: H, width: W, data };
}

test("image_transform geometry equals PIL bicubic + torchvision centre crop exactly", () => {
  assert.equal(gold.cases.length, 2);
  for (const c of gold.cases) {
    const img = planar(c.image);
    for (const [r, want] of Object.entries(c.out)) {
      const got = resizeAndCropForMmu(img, Number(r));
      assert.deepEqual(Array.from(got.data), Array.from(planar(want).data), `${img.height}×${img.width} → ${r}`);
    }
  }
});

test("image_transform scales to [−1, 1]; Python rounding sends halves to even", () => {
  const img = planar(gold.cases[0]!.image);
  const px = resizeAndCropForMmu(img, 10), x = imageTransform(img, 10);
  assert.equal(x.length, 3 * 10 * 10);
  x.forEach((v, i) => assert.ok(Math.abs(v - (px.data[i]! / 127.5 - 1)) < 1e-6));
  assert.deepEqual([0.5, 1.5, 2.5, 4.5, 3.2, 3.7].map(roundHalfEven), [0, 2, 2, 4, 3, 4]);
  assert.throws(() => imageTransform(img, 0), /resolution/);
});
