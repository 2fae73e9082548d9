// Hostile images (issue #15 §2): PNGs that are zero-sized, far too large, cut short, not PNGs at
// all, or with broken palettes must be refused quickly with an error that names the file and says
// what is wrong, instead of dividing by zero or exhausting the heap. The PNGs are built byte by
// byte here (fast-png will not encode a zero-sized image), with their CRCs computed below.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { deflateSync } from "node:zlib";
import type { Image } from "../../runtime/image.ts";
import { centerCrop, readPng, resizeAndCrop, resizeBicubic, writePng } from "../../runtime/image.ts";
import { imageTransform, resizeAndCropForMmu } from "../../runtime/sampling/image-transform.ts";

const dir = mkdtempSync(join(tmpdir(), "image-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG uses it (ISO 3309), over the chunk type and data. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

function chunk(type: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  return Buffer.concat([u32(data.length), body, u32(crc32(body))]);
}

const SIGNATURE = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);

function ihdr(width: number, height: number, depth: number, colourType: number): Uint8Array {
  return chunk("IHDR", Buffer.concat([u32(width), u32(height), Uint8Array.from([depth, colourType, 0, 0, 0])]));
}

/** A whole PNG: signature, IHDR, the given chunks, one IDAT of the given filtered rows, IEND. */
function png(width: number, height: number, depth: number, colourType: number, rows: Uint8Array, chunks: Uint8Array[] = []): Uint8Array {
  return Buffer.concat([SIGNATURE, ihdr(width, height, depth, colourType), ...chunks, chunk("IDAT", deflateSync(rows)), chunk("IEND")]);
}

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** readPng refuses `path` with an Error naming the file and matching `why`. */
function refuses(path: string, why: RegExp, options?: { maxPixels?: number }): void {
  assert.throws(() => readPng(path, options), (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.ok(e.message.includes(path), `the message names the file: ${e.message}`);
    assert.match(e.message, why);
    return true;
  });
}

/** A 3×2 RGB PNG (filter byte 0 before each row), its planar pixels, and the file. */
const rgbRows = Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
const good = png(3, 2, 8, 2, rgbRows);

test("zero-sized PNGs are refused by name, before the resize divides by zero", () => {
  refuses(file("zero-width.png", png(0, 4, 8, 2, new Uint8Array(0))), /0×4.*at least one pixel/);
  refuses(file("zero-height.png", png(4, 0, 8, 2, new Uint8Array(0))), /4×0.*at least one pixel/);
});

test("a 12000×12000 header is refused before decoding: quickly and without allocating", () => {
  // Only the header is real: the refusal must come before the (bogus) image data is looked at.
  const path = file("huge.png", png(12000, 12000, 8, 2, new Uint8Array(100)));
  const t0 = performance.now(), mem0 = process.memoryUsage().arrayBuffers;
  refuses(path, /12000×12000 = 144000000 pixels, over the limit of 67108864.*before decoding/);
  assert.ok(performance.now() - t0 < 1000, `took ${performance.now() - t0} ms`);
  assert.ok(process.memoryUsage().arrayBuffers - mem0 < 32 * 2 ** 20, "no image-sized buffer");
});

test("maxPixels is configurable: a 3×2 image passes at 6 pixels and is refused at 5", () => {
  const path = file("small.png", good);
  assert.equal(readPng(path, { maxPixels: 6 }).width, 3);
  refuses(path, /3×2 = 6 pixels, over the limit of 5 \(readPng's maxPixels\)/, { maxPixels: 5 });
  assert.throws(() => readPng(path, { maxPixels: 0 }), /maxPixels/);
});

test("truncated PNGs: cut inside the signature, the IHDR, the IDAT, or before IEND's end", () => {
  refuses(file("empty.png", new Uint8Array(0)), /not a PNG \(the file is empty\)/);
  refuses(file("cut-5.png", good.subarray(0, 5)), /truncated PNG \(5 bytes/);
  refuses(file("cut-20.png", good.subarray(0, 20)), /truncated PNG \(20 bytes/);
  refuses(file("cut-idat.png", good.subarray(0, 45)), /truncated PNG \(the "IDAT" chunk at byte 33 takes \d+ bytes/);
  refuses(file("cut-iend.png", good.subarray(0, good.length - 3)), /truncated PNG \(the "IEND" chunk/);
  refuses(file("no-iend.png", good.subarray(0, good.length - 12)), /truncated PNG \(\d+ bytes, no IEND chunk\)/);
});

test("files that are not PNGs, or do not start with IHDR, say so", () => {
  refuses(file("text.png", "hello, I am a text file\n".repeat(4)), /not a PNG \(no PNG signature/);
  refuses(file("jpeg.png", Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1])), /not a PNG \(no PNG signature/);
  const noIhdr = Buffer.concat([SIGNATURE, chunk("tEXt", Buffer.from("Comment\0hi")), ihdr(3, 2, 8, 2), chunk("IEND")]);
  refuses(file("text-first.png", noIhdr), /not a PNG \(the first chunk must be a 13-byte IHDR, found "tEXt"/);
  refuses(join(dir, "missing.png"), /cannot read \(ENOENT\)/);
  refuses(dir, /cannot read \(EISDIR\)/);
});

test("broken palettes and broken image data name the file and the fault", () => {
  const twoColours = chunk("PLTE", Uint8Array.from([255, 0, 0, 0, 0, 255]));
  const indices = Uint8Array.from([0, 0, 1, 5, 0, 1, 0, 0]); // two rows of [filter 0, three indices]
  refuses(file("index-out.png", png(3, 2, 8, 3, indices, [twoColours])), /palette index 5 at pixel \(2, 0\) is out of range: the PLTE chunk has 2 colours/);
  refuses(file("plte-short.png", png(3, 2, 8, 3, indices, [chunk("PLTE", Uint8Array.from([1, 2, 3, 4]))])), /not a readable PNG \(PLTE field length must be a multiple of 3/);
  refuses(file("no-plte.png", png(3, 2, 8, 3, indices)), /palette PNG without colours/);
  const badIdat = Buffer.concat([SIGNATURE, ihdr(3, 2, 8, 2), chunk("IDAT", Buffer.from("not zlib at all")), chunk("IEND")]);
  refuses(file("bad-idat.png", badIdat), /not a readable PNG \(Error while decompressing/);
  // fast-png zero-fills a row cut short; a missing row is caught by its missing filter byte.
  refuses(file("short-idat.png", png(3, 2, 8, 2, rgbRows.subarray(0, 10))), /not a readable PNG \(Unsupported filter: undefined\)/);
  const flipped = Uint8Array.from(good);
  flipped[45]! ^= 0x40; // inside the IDAT's data
  refuses(file("flipped.png", flipped), /not a readable PNG \(CRC mismatch for chunk IDAT/);
  refuses(file("colour-type.png", png(3, 2, 8, 5, rgbRows)), /not a readable PNG \(Unknown color type: 5\)/);
});

test("valid PNGs still read: RGB, a palette, a 1-bit grey, an RGB with a suggested palette; writePng round-trips", () => {
  const rgb = readPng(file("rgb.png", good));
  assert.deepEqual([rgb.channels, rgb.height, rgb.width], [3, 2, 3]);
  // Planar: R of the six pixels, then G, then B.
  assert.deepEqual(Array.from(rgb.data), [10, 40, 70, 1, 4, 7, 20, 50, 80, 2, 5, 8, 30, 60, 90, 3, 6, 9]);

  const palette = chunk("PLTE", Uint8Array.from([255, 0, 0, 0, 0, 255]));
  const indexed = readPng(file("indexed.png", png(3, 2, 8, 3, Uint8Array.from([0, 0, 1, 1, 0, 1, 0, 0]), [palette])));
  assert.deepEqual(Array.from(indexed.data), [255, 0, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 0, 0]);

  // 5 one-bit pixels a row, packed into one byte after the filter byte: 10101, 01010.
  const bits = readPng(file("bits.png", png(5, 2, 1, 0, Uint8Array.from([0, 0b10101000, 0, 0b01010000]))));
  assert.deepEqual(Array.from(bits.data.subarray(0, 10)), [255, 0, 255, 0, 255, 0, 255, 0, 255, 0]);

  // PLTE is allowed in a truecolour PNG as a suggestion; the pixels are still RGB.
  assert.deepEqual(readPng(file("suggested.png", png(3, 2, 8, 2, rgbRows, [palette]))), rgb);

  const img: Image = { channels: 3, height: 4, width: 5, data: Float32Array.from({ length: 60 }, (_, i) => (i * 37) % 256) };
  writePng(join(dir, "round.png"), img);
  assert.deepEqual(readPng(join(dir, "round.png")), img);
});

test("resizeAndCrop, image_transform and resizeBicubic refuse zero, fractional and non-finite sizes", () => {
  const img = (height: number, width: number): Image => ({ channels: 3, height, width, data: new Float32Array(whole(3 * height * width)) });
  const whole = (n: number) => (Number.isInteger(n) && n > 0 ? n : 0);
  for (const [h, w] of [[0, 5], [5, 0], [0, 0], [Number.NaN, 4], [4, Infinity], [2.5, 4], [-1, 4]] as const) {
    assert.throws(() => resizeAndCrop(img(h, w), 4), new RegExp(`resizeAndCrop: the image is ${h}×${w} .*whole numbers ≥ 1`));
    assert.throws(() => imageTransform(img(h, w), 4), new RegExp(`image_transform: the image is ${h}×${w}`));
    assert.throws(() => resizeBicubic(img(h, w), 4, 4, "pil"), /resizeBicubic: the image is/);
  }
  for (const r of [0, -3, 0.5, Number.NaN, Infinity]) {
    assert.throws(() => resizeAndCrop(img(6, 8), r), /resizeAndCrop: the resolution must be a whole number ≥ 1/);
    assert.throws(() => resizeAndCropForMmu(img(6, 8), r), /image_transform: the resolution must be a whole number ≥ 1/);
  }
  assert.throws(() => resizeBicubic(img(6, 8), 0, 4, "torch"), /resizeBicubic: the target size is 0×4/);
});

test("resizeAndCrop resizes only the crop: same pixels as resize-then-crop, and a 1×200000 image stays cheap", () => {
  const ramp = (height: number, width: number): Image =>
    ({ channels: 3, height, width, data: Float32Array.from({ length: 3 * height * width }, (_, i) => (i * 53) % 256) });
  for (const [h, w, r] of [[7, 40, 5], [40, 7, 5], [9, 9, 4], [21, 16, 16], [3, 50, 8], [50, 3, 8]] as const) {
    const img = ramp(h, w), [th, tw] = h <= w ? [r, Math.trunc((r * w) / h)] : [Math.trunc((r * h) / w), r];
    const want = centerCrop(resizeBicubic(img, th, tw, "pil"), r, r);
    assert.deepEqual(resizeAndCrop(img, r), want, `${h}×${w} → ${r}`);
  }
  // Resized whole, this would be 512 × 102 400 000 pixels.
  const t0 = performance.now();
  const long = resizeAndCrop(ramp(1, 200000), 512);
  assert.deepEqual([long.height, long.width], [512, 512]);
  assert.ok(performance.now() - t0 < 5000, `took ${performance.now() - t0} ms`);
});
