// Images on the host: PNG files (fast-png), the resizes Show-o's preprocessing uses, thresholding,
// and the conversions between pixels and the [−1, 1] tensors of MAGVIT-v2 (design/showo.md §6.1,
// §6.3, §7.4).
//
// An Image is planar float32 [C, H, W] with values in [0, 255] (C = 1 grey, 3 RGB).
//
// Two bicubic resizes, because Show-o uses both:
//   "pil"    PIL's BICUBIC as torchvision's Resize calls it on PIL images (image_transform): a
//            separable convolution with the Keys kernel a = −0.5, widened by the scale when
//            shrinking (antialiasing), the window cut at the borders and renormalised, results
//            rounded to 8 bits.
//   "torch"  torch.nn.functional.interpolate(mode="bicubic", align_corners=False): the Keys
//            kernel a = −0.75 over 4 taps, border pixels repeated, no antialiasing, float results
//            (the inpainting mask's resize to the code grid).

import { closeSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { decode, encode } from "fast-png";
import { writeFileAtomic } from "./files.ts";
import type { Image } from "./image-data.ts";

export type { Image, ResizeMode } from "./image-data.ts";
export { centerCrop, checkSides, fromSigned, resizeAndCrop, resizeBicubic, roundHalfEven, threshold, toGrey, toSigned } from "./image-data.ts";

/** Options of readPng. */
export interface ReadPngOptions {
  /** Most pixels (width × height) accepted, checked from the header before anything is decoded. */
  readonly maxPixels?: number;
}

/** 64 Mpx (8192²): far above any resolution Show-o takes, far below what exhausts the heap (an image
 * costs 12 bytes a pixel here on top of fast-png's own buffers; a 140 KB 12000² PNG took 2.1 GB). */
export const DEFAULT_MAX_PIXELS = 2 ** 26;

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** The signature, then the IHDR chunk: length, type, 13 bytes of data, CRC. */
const HEADER_BYTES = 8 + 4 + 4 + 13 + 4;
const INDEXED_COLOUR = 3;

interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly colourType: number;
}

/** Reads a PNG as RGB (grey is repeated, alpha dropped, 16-bit scaled to 8-bit, palettes expanded).
 * Every refusal names the file: zero-sized images, images over `maxPixels`, files that are not PNGs
 * or are cut short, and whatever fast-png cannot decode. */
export function readPng(path: string, options: ReadPngOptions = {}): Image {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels >= 1)) throw new Error(`readPng: maxPixels must be at least 1, got ${maxPixels}`);
  // The header alone first: fast-png allocates whatever the header claims, so a small file saying
  // 12000×12000 must be refused before the decoder (or a read of a huge file) runs.
  checkHeader(path, readBytes(path, HEADER_BYTES), maxPixels);
  const bytes = readBytes(path);
  // Checked again on the bytes that are decoded: the file may have changed between the two reads.
  const header = checkHeader(path, bytes, maxPixels);
  checkChunks(path, bytes);
  const png = decodePng(path, bytes);
  const { width, height } = png;
  const samples = unpackSamples(path, png.data, width, height, png.depth, png.channels);
  if (header.colourType === INDEXED_COLOUR) return fromPalette(path, samples, png.palette, width, height);
  const scale = png.depth === 16 ? 255 / 65535 : png.depth < 8 ? 255 / (2 ** png.depth - 1) : 1;
  return toRgb(samples, png.channels, scale, width, height);
}

/** The file's first `count` bytes, or all of it. */
function readBytes(path: string, count?: number): Uint8Array {
  try {
    if (count === undefined) return readFileSync(path);
    const fd = openSync(path, "r");
    try {
      const buf = new Uint8Array(count);
      return buf.subarray(0, readSync(fd, buf, 0, count, 0));
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
}

/** The IHDR's size and colour type, after checking the signature, that IHDR comes first, and the size. */
function checkHeader(path: string, bytes: Uint8Array, maxPixels: number): PngHeader {
  const header = parseHeader(path, bytes);
  const { width, height } = header;
  // A zero side divides by zero in the resize's aspect ratio (issue #15: 31 s, then heap exhaustion).
  if (width === 0 || height === 0) throw new Error(`${path}: the PNG is ${width}×${height} (width × height); an image needs at least one pixel`);
  if (width * height > maxPixels) {
    throw new Error(`${path}: the PNG is ${width}×${height} = ${width * height} pixels, over the limit of ${maxPixels} (readPng's maxPixels); refused before decoding`);
  }
  return header;
}

function parseHeader(path: string, bytes: Uint8Array): PngHeader {
  if (bytes.length === 0) throw new Error(`${path}: not a PNG (the file is empty)`);
  if (PNG_SIGNATURE.some((b, i) => i < bytes.length && bytes[i] !== b)) throw new Error(`${path}: not a PNG (no PNG signature at the start)`);
  if (bytes.length < HEADER_BYTES) {
    throw new Error(`${path}: truncated PNG (${bytes.length} bytes; the signature and IHDR chunk alone take ${HEADER_BYTES})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(8), type = chunkType(bytes, 12);
  if (type !== "IHDR" || length !== 13) {
    throw new Error(`${path}: not a PNG (the first chunk must be a 13-byte IHDR, found ${JSON.stringify(type)} of ${length} bytes)`);
  }
  return { width: view.getUint32(16), height: view.getUint32(20), colourType: bytes[25]! };
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

/** Walks the chunk headers up to IEND, so that a file cut short is reported as truncated (fast-png
 * says only "Offset is outside the bounds of the DataView"). */
function checkChunks(path: string, bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = PNG_SIGNATURE.length; ; ) {
    if (at + 8 > bytes.length) throw new Error(`${path}: truncated PNG (${bytes.length} bytes, no IEND chunk)`);
    const size = 12 + view.getUint32(at), type = chunkType(bytes, at + 4);
    if (at + size > bytes.length) {
      throw new Error(`${path}: truncated PNG (the ${JSON.stringify(type)} chunk at byte ${at} takes ${size} bytes; the file ends ${bytes.length - at} bytes after its start)`);
    }
    if (type === "IEND") return;
    at += size;
  }
}

function decodePng(path: string, bytes: Uint8Array): ReturnType<typeof decode> {
  try {
    // CRCs checked, as PIL does: a corrupted byte is then reported, not decoded into wrong pixels.
    return decode(bytes, { checkCrc: true });
  } catch (e) {
    throw new Error(`${path}: not a readable PNG (${errorText(e)})`, { cause: e });
  }
}

/** An error's message and its causes' (fast-png's "Error while decompressing the data:" says the rest in its cause). */
function errorText(e: unknown): string {
  const parts: string[] = [];
  for (let c = e; c instanceof Error && parts.length < 4; c = c.cause) parts.push(c.message);
  return parts.length ? parts.join(" ") : String(e);
}

/** One sample per element: fast-png leaves depths below 8 packed several to a byte, each row padded
 * to a whole byte. Also checks there are as many samples as the header promises. */
function unpackSamples(path: string, data: ArrayLike<number>, width: number, height: number, depth: number, channels: number): ArrayLike<number> {
  const perRow = width * channels;
  const rowBytes = depth < 8 ? Math.ceil((perRow * depth) / 8) : perRow;
  if (data.length < rowBytes * height) throw new Error(`${path}: the PNG holds ${data.length} samples, its ${width}×${height} header needs ${rowBytes * height}`);
  if (depth >= 8) return data;
  const out = new Uint8Array(perRow * height), mask = 2 ** depth - 1;
  for (let y = 0; y < height; y++) for (let j = 0; j < perRow; j++) {
    const bit = j * depth;
    out[y * perRow + j] = (data[y * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
  }
  return out;
}

/** Indexed colour → RGB, naming the file, the pixel and the palette size when an index has no colour. */
function fromPalette(path: string, indices: ArrayLike<number>, palette: ArrayLike<ArrayLike<number>> | undefined, width: number, height: number): Image {
  if (!palette || palette.length === 0) throw new Error(`${path}: palette PNG without colours (no PLTE chunk, or an empty one)`);
  const n = height * width, data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const k = indices[i]!, colour = palette[k];
    if (!colour) {
      throw new Error(`${path}: palette index ${k} at pixel (${i % width}, ${Math.floor(i / width)}) is out of range: the PLTE chunk has ${palette.length} colours`);
    }
    for (let c = 0; c < 3; c++) data[c * n + i] = colour[c]!;
  }
  return { channels: 3, height, width, data };
}

/** Interleaved grey, grey+alpha, RGB or RGBA samples → planar RGB in [0, 255]. */
function toRgb(src: ArrayLike<number>, ch: number, scale: number, width: number, height: number): Image {
  const n = height * width, data = new Float32Array(3 * n);
  const color = ch >= 3;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) data[c * n + i] = src[i * ch + (color ? c : 0)]! * scale;
  }
  return { channels: 3, height, width, data };
}

/** Writes an RGB or grey image as an 8-bit PNG (values rounded down and clamped to [0, 255]). */
export function writePng(path: string, img: Image): void {
  const n = img.height * img.width;
  const out = new Uint8Array(n * img.channels);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < img.channels; c++) out[i * img.channels + c] = Math.min(255, Math.max(0, Math.floor(img.data[c * n + i]!)));
  }
  writeFileAtomic(path, encode({ width: img.width, height: img.height, data: out, channels: img.channels, depth: 8 }));
}

