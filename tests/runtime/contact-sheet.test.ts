// Contact sheets (runtime/contact-sheet.ts): nearest-neighbour upscaling maps source pixels to exact
// blocks; text ink stays inside its box, in its colour, and is clipped at the edges; every letter
// and digit has its own non-empty glyph; wrapping respects the width; a sheet's size follows its
// documented layout, with each tile's pixels in its cell and its caption below it.

import assert from "node:assert/strict";
import { test } from "vitest";
import { GLYPH_HEIGHT, contactSheet, drawText, textWidth, upscaleNearest, wrapText } from "../../runtime/contact-sheet.ts";
import type { Image } from "../../runtime/image.ts";

type Rgb = readonly [number, number, number];

function solid(width: number, height: number, rgb: Rgb): Image {
  const n = width * height;
  const data = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) data.fill(rgb[c]!, c * n, (c + 1) * n);
  return { channels: 3, height, width, data };
}

function pixel(img: Image, x: number, y: number): number[] {
  const n = img.width * img.height;
  return Array.from({ length: img.channels }, (_, c) => img.data[c * n + y * img.width + x]!);
}

/** Pixels (x, y) where a and b differ. */
function changed(a: Image, b: Image): [number, number][] {
  const out: [number, number][] = [];
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) if (pixel(a, x, y).some((v, c) => v !== pixel(b, x, y)[c])) out.push([x, y]);
  }
  return out;
}

function copy(img: Image): Image {
  return { ...img, data: img.data.slice() };
}

const WHITE: Rgb = [255, 255, 255];

test("upscaleNearest: a 2×2 image becomes four solid quadrants; a 3×3 image exact blocks by floor(x·w/side)", () => {
  const colours: Rgb[] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]];
  const small = solid(2, 2, [0, 0, 0]);
  colours.forEach((rgb, i) => rgb.forEach((v, c) => (small.data[c * 4 + i] = v)));
  const big = upscaleNearest(small, 256);
  assert.equal(big.width, 256);
  assert.equal(big.height, 256);
  assert.equal(big.channels, 3);
  for (let y = 0; y < 256; y++) {
    for (let x = 0; x < 256; x++) {
      const q = (y < 128 ? 0 : 2) + (x < 128 ? 0 : 1);
      assert.deepEqual(pixel(big, x, y), [...colours[q]!], `pixel (${x}, ${y})`);
    }
  }

  const grid = { channels: 1, height: 3, width: 3, data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]) };
  const up = upscaleNearest(grid, 7);
  assert.equal(up.channels, 1);
  for (let y = 0; y < 7; y++) {
    for (let x = 0; x < 7; x++) assert.equal(up.data[y * 7 + x], Math.floor((y * 3) / 7) * 3 + Math.floor((x * 3) / 7));
  }
  // Shrinking follows the same rule.
  assert.deepEqual(Array.from(upscaleNearest(grid, 1).data), [0]);
});

test("upscaleNearest refuses non-square images and bad sides", () => {
  assert.throws(() => upscaleNearest(solid(4, 2, WHITE), 8), /4×2, not square/);
  assert.throws(() => upscaleNearest(solid(2, 2, WHITE), 0), /integer ≥ 1/);
  assert.throws(() => upscaleNearest(solid(2, 2, WHITE), 2.5), /integer ≥ 1/);
});

test("drawText: ink only inside the text's box, all of it in the given colour; clipped at the edges", () => {
  const text = "Hi, a (test)/ok?";
  for (const scale of [1, 3]) {
    const before = solid(textWidth(text, scale) + 20, GLYPH_HEIGHT * scale + 15, WHITE);
    const img = copy(before);
    const colour: Rgb = [200, 10, 60];
    drawText(img, 7, 5, text, { color: colour, scale });
    const diff = changed(before, img);
    assert.ok(diff.length > 20 * scale * scale, `scale ${scale}: some ink`);
    for (const [x, y] of diff) {
      assert.ok(x >= 7 && x < 7 + textWidth(text, scale) && y >= 5 && y < 5 + GLYPH_HEIGHT * scale, `scale ${scale}: (${x}, ${y}) outside the box`);
      assert.deepEqual(pixel(img, x, y), [...colour]);
    }
    // The ink reaches both ends of the box horizontally (H's left stem, ')'/'?' towards the right).
    assert.ok(diff.some(([x]) => x === 7));
    assert.ok(diff.some(([x]) => x >= 7 + textWidth(text, scale) - 3 * scale));
  }
  assert.equal(textWidth(""), 0);
  assert.equal(textWidth("ab", 2), 2 * 11);

  // Half off every edge: no throw, the image keeps its size, and only visible pixels change.
  const img = solid(20, 10, WHITE);
  drawText(img, -8, -4, "WWWWWWWW", { color: [0, 0, 0] });
  drawText(img, 15, 6, "MMMM", { color: [0, 0, 0], scale: 2 });
  assert.equal(img.data.length, 3 * 20 * 10);
  assert.ok(changed(solid(20, 10, WHITE), img).length > 0);
  assert.ok(img.data.every((v) => v === 0 || v === 255));
});

test("font: every letter, digit and the common punctuation has a non-empty glyph, all pairwise distinct", () => {
  const w = textWidth("x");
  const render = (ch: string): string => {
    const img = solid(w, GLYPH_HEIGHT, WHITE);
    drawText(img, 0, 0, ch, { color: [0, 0, 0] });
    return Array.from(img.data.subarray(0, w * GLYPH_HEIGHT), (v) => (v === 0 ? "#" : ".")).join("");
  };
  const chars = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,?:!'\"-()/+=%×…"];
  const unknown = render("\u{1F600}");
  assert.ok(unknown.includes("#"), "unknown characters are drawn as a box");
  const seen = new Map<string, string>();
  for (const ch of chars) {
    const bits = render(ch);
    assert.ok(bits.includes("#"), `${JSON.stringify(ch)} is empty`);
    assert.notEqual(bits, unknown, `${JSON.stringify(ch)} falls back to the unknown box`);
    assert.equal(seen.get(bits), undefined, `${JSON.stringify(ch)} looks the same as ${JSON.stringify(seen.get(bits))}`);
    seen.set(bits, ch);
  }
  assert.ok(!render(" ").includes("#"), "space has no ink");
  // Descenders go below the baseline (row 6); capitals do not.
  assert.ok(render("g").slice(7 * w).includes("#"));
  assert.ok(!render("G").slice(7 * w).includes("#"));
});

test("wrapText: greedy lines within maxWidth, long words cut, nothing lost", () => {
  const text = "a small red circle above a large blue square  next to an extraordinarilylongword";
  for (const [maxWidth, scale] of [[60, 1], [100, 1], [64, 2], [29, 1]] as const) {
    const lines = wrapText(text, maxWidth, scale);
    for (const line of lines) assert.ok(textWidth(line, scale) <= maxWidth, `${JSON.stringify(line)} wider than ${maxWidth}`);
    assert.equal(lines.join("").replace(/\s/g, ""), text.replace(/\s/g, ""));
    // Greedy: the next line's first word would not have fitted on this one.
    for (let i = 0; i + 1 < lines.length; i++) {
      const next = lines[i + 1]!.split(" ")[0]!;
      assert.ok(textWidth(`${lines[i]} ${next}`, scale) > maxWidth, `${JSON.stringify(lines[i])} could have taken ${next}`);
    }
  }
  assert.deepEqual(wrapText("aaaaaaaaaa", 29), ["aaaaa", "aaaaa"]);
  assert.deepEqual(wrapText("one two three", 1000), ["one two three"]);
  assert.deepEqual(wrapText("   ", 100), []);
  assert.throws(() => wrapText("abc", 4), /narrower than one character/);
});

test("contactSheet: size from the layout formula, tiles in their cells, captions below their tiles", () => {
  const colours: Rgb[] = [[255, 0, 0], [0, 200, 0], [0, 0, 255], [250, 200, 0], [0, 150, 150], [120, 0, 120]];
  const tiles = colours.map((rgb, i) => ({ image: solid(32, 32, rgb), caption: `tile ${i}: a ${i % 2 ? "red circle" : "blue square"}` }));
  const tile = 64, margin = 8, scale = 1, captionLines = 3;
  const textColor: Rgb = [1, 2, 3];
  const sheet = contactSheet(tiles, { columns: 4, tile, margin, scale, captionLines, textColor });
  const cellHeight = tile + captionLines * (GLYPH_HEIGHT + 2) * scale;
  assert.equal(sheet.channels, 3);
  assert.equal(sheet.width, 4 * tile + 5 * margin);
  assert.equal(sheet.height, 2 * cellHeight + 3 * margin);

  tiles.forEach((_, i) => {
    const x0 = margin + (i % 4) * (tile + margin);
    const y0 = margin + Math.floor(i / 4) * (cellHeight + margin);
    for (const [dx, dy] of [[0, 0], [tile - 1, 0], [0, tile - 1], [tile - 1, tile - 1], [tile >> 1, tile >> 1]]) {
      assert.deepEqual(pixel(sheet, x0 + dx!, y0 + dy!), [...colours[i]!], `tile ${i} at (${dx}, ${dy})`);
    }
    // Background just outside the tile, caption ink only in the caption band under it.
    assert.deepEqual(pixel(sheet, x0 - 1, y0), [255, 255, 255]);
    assert.deepEqual(pixel(sheet, x0, y0 - 1), [255, 255, 255]);
    let ink = 0;
    for (let y = y0 - margin; y < y0 + cellHeight + margin; y++) {
      for (let x = x0; x < x0 + tile; x++) {
        if (pixel(sheet, x, y).join() !== textColor.join()) continue;
        ink++;
        assert.ok(y >= y0 + tile && y < y0 + cellHeight, `tile ${i}: caption ink at row ${y - y0}`);
      }
    }
    assert.ok(ink > 0, `tile ${i}: caption drawn`);
  });
  // Nothing but background in the unused cells of the last row.
  for (let y = margin + cellHeight + margin; y < sheet.height; y++) {
    for (let x = margin + 2 * (tile + margin); x < sheet.width; x++) assert.deepEqual(pixel(sheet, x, y), [255, 255, 255]);
  }

  // Defaults: up to 4 columns, 256-px tiles, 3 lines at scale 2, 8-px margins; fewer tiles, fewer columns.
  const two = contactSheet(tiles.slice(0, 2));
  assert.equal(two.width, 2 * 256 + 3 * 8);
  assert.equal(two.height, 256 + 3 * (GLYPH_HEIGHT + 2) * 2 + 2 * 8);
});

test("contactSheet: a long caption is cut to captionLines lines ending in an ellipsis", () => {
  const long = "a very long prompt that goes on and on about the small red circle and the large blue square";
  const tile = 64;
  const sheet = contactSheet([{ image: solid(8, 8, [9, 9, 9]), caption: long }], { tile, captionLines: 2, scale: 1, margin: 0, textColor: [0, 0, 0] });
  assert.equal(sheet.height, tile + 2 * (GLYPH_HEIGHT + 2));
  // Draw what the sheet should hold and compare pixel for pixel.
  const [first, second] = wrapText(long, tile);
  const expected = solid(tile, sheet.height, WHITE);
  for (let c = 0; c < 3; c++) expected.data.fill(9, c * tile * sheet.height, c * tile * sheet.height + tile * tile);
  drawText(expected, 0, tile + 2, first!, { color: [0, 0, 0] });
  let cut = second!;
  while (textWidth(`${cut}…`) > tile) cut = cut.slice(0, -1).trimEnd();
  drawText(expected, 0, tile + 2 + GLYPH_HEIGHT + 2, `${cut}…`, { color: [0, 0, 0] });
  assert.deepEqual(changed(expected, sheet), []);
});

test("contactSheet refuses no tiles, bad options and non-square tiles", () => {
  const ok = [{ image: solid(4, 4, WHITE), caption: "x" }];
  assert.throws(() => contactSheet([]), /no tiles/);
  assert.throws(() => contactSheet(ok, { columns: 0 }), /columns must be an integer ≥ 1/);
  assert.throws(() => contactSheet(ok, { tile: 12.5 }), /tile must be an integer ≥ 1/);
  assert.throws(() => contactSheet(ok, { scale: 0 }), /scale must be an integer ≥ 1/);
  assert.throws(() => contactSheet(ok, { margin: -1 }), /margin must be an integer ≥ 0/);
  assert.throws(() => contactSheet(ok, { captionLines: -1 }), /captionLines must be an integer ≥ 0/);
  assert.throws(() => contactSheet([...ok, { image: solid(4, 3, WHITE), caption: "y" }]), /tile 1: .*4×3, not square/);
  assert.throws(() => drawText(solid(4, 4, WHITE), 0, 0, "a", { scale: 1.5 }), /scale must be an integer/);
});
