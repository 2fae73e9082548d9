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

import { readFileSync, writeFileSync } from "node:fs";
import { convertIndexedToRgb, decode, encode } from "fast-png";

export interface Image {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Planar [C, H, W], values in [0, 255] (floats between resampling steps). */
  readonly data: Float32Array;
}

/** Reads a PNG as RGB (grey is repeated, alpha dropped, 16-bit scaled to 8-bit, palettes expanded). */
export function readPng(path: string): Image {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  let png;
  try {
    png = decode(bytes);
  } catch (e) {
    throw new Error(`${path}: not a readable PNG (${(e as Error).message})`, { cause: e });
  }
  const { width, height } = png;
  let src: ArrayLike<number> = png.data;
  let ch = png.channels;
  let scale = png.depth === 16 ? 255 / 65535 : png.depth < 8 ? 255 / (2 ** png.depth - 1) : 1;
  if (png.palette) {
    src = convertIndexedToRgb(png);
    ch = png.palette[0]?.length ?? 3;
    scale = 1;
  }
  const data = new Float32Array(3 * height * width);
  const color = ch >= 3;
  for (let i = 0; i < height * width; i++) {
    for (let c = 0; c < 3; c++) data[c * height * width + i] = src[i * ch + (color ? c : 0)]! * scale;
  }
  return { channels: 3, height, width, data };
}

/** PIL's convert("L"): L = R·299/1000 + G·587/1000 + B·114/1000. */
export function toGrey(img: Image): Image {
  if (img.channels === 1) return img;
  const n = img.height * img.width;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.round((img.data[i]! * 299 + img.data[n + i]! * 587 + img.data[2 * n + i]! * 114) / 1000);
  return { channels: 1, height: img.height, width: img.width, data };
}

/** Writes an RGB or grey image as an 8-bit PNG (values rounded down and clamped to [0, 255]). */
export function writePng(path: string, img: Image): void {
  const n = img.height * img.width;
  const out = new Uint8Array(n * img.channels);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < img.channels; c++) out[i * img.channels + c] = Math.min(255, Math.max(0, Math.floor(img.data[c * n + i]!)));
  }
  writeFileSync(path, encode({ width: img.width, height: img.height, data: out, channels: img.channels, depth: 8 }));
}

/** A decoded image [3, H, W] in nominal [−1, 1] → pixels floor(clamp((x + 1)/2, 0, 1)·255) (§7.4). */
export function fromSigned(data: ArrayLike<number>, height: number, width: number, offset = 0): Image {
  const n = 3 * height * width;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(Math.min(1, Math.max(0, (data[offset + i]! + 1) / 2)) * 255);
  return { channels: 3, height, width, data: out };
}

/** Pixels [C, H, W] in [0, 255] → ToTensor then (x − 0.5)/0.5: [−1, 1] (image_transform, §6.1). */
export function toSigned(img: Image): Float32Array {
  return img.data.map((v) => (v / 255 - 0.5) / 0.5);
}

/** Keys' cubic convolution kernel with parameter a. */
function cubic(x: number, a: number): number {
  const t = Math.abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** Taps of one output coordinate: (source index, weight) pairs. */
type Taps = [number, number][][];

function pilTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize, fs = Math.max(scale, 1), support = 2 * fs;
  const taps: Taps = [];
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support + 0.5)), hi = Math.min(inSize, Math.floor(center + support + 0.5));
    const t: [number, number][] = [];
    let sum = 0;
    for (let i = lo; i < hi; i++) {
      const w = cubic((i - center + 0.5) / fs, -0.5);
      t.push([i, w]);
      sum += w;
    }
    taps.push(t.map(([i, w]) => [i, sum !== 0 ? w / sum : 0]));
  }
  return taps;
}

function torchTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const taps: Taps = [];
  for (let o = 0; o < outSize; o++) {
    const x = (o + 0.5) * scale - 0.5;
    const x0 = Math.floor(x), f = x - x0;
    const t: [number, number][] = [];
    for (let k = -1; k <= 2; k++) t.push([Math.min(Math.max(x0 + k, 0), inSize - 1), cubic(k - f, -0.75)]);
    taps.push(t);
  }
  return taps;
}

export type ResizeMode = "pil" | "torch";

/** Bicubic resize to height × width (separable: rows, then columns). */
export function resizeBicubic(img: Image, height: number, width: number, mode: ResizeMode): Image {
  const { channels: C, height: H, width: W } = img;
  if (height === H && width === W) return img;
  const tx = mode === "pil" ? pilTaps(W, width) : torchTaps(W, width);
  const ty = mode === "pil" ? pilTaps(H, height) : torchTaps(H, height);
  const round = mode === "pil" ? (v: number) => Math.min(255, Math.max(0, Math.round(v))) : (v: number) => v;
  // PIL resamples horizontally first, each pass rounding to 8 bits.
  const mid = new Float32Array(C * H * width);
  for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < width; x++) {
    let v = 0;
    for (const [i, w] of tx[x]!) v += w * img.data[(c * H + y) * W + i]!;
    mid[(c * H + y) * width + x] = round(v);
  }
  const out = new Float32Array(C * height * width);
  for (let c = 0; c < C; c++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    let v = 0;
    for (const [i, w] of ty[y]!) v += w * mid[(c * H + i) * width + x]!;
    out[(c * height + y) * width + x] = round(v);
  }
  return { channels: C, height, width, data: out };
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  if (x - f !== 0.5) return Math.round(x);
  return f % 2 === 0 ? f : f + 1;
}

/** Centre crop to height × width (torchvision's CenterCrop: top = int(round((H − h)/2)), Python's round). */
export function centerCrop(img: Image, height: number, width: number): Image {
  const top = roundHalfEven((img.height - height) / 2), left = roundHalfEven((img.width - width) / 2);
  if (top < 0 || left < 0) throw new Error(`cannot crop ${img.height}×${img.width} to ${height}×${width}`);
  const out = new Float32Array(img.channels * height * width);
  for (let c = 0; c < img.channels; c++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    out[(c * height + y) * width + x] = img.data[(c * img.height + top + y) * img.width + left + x]!;
  }
  return { channels: img.channels, height, width, data: out };
}

/** Show-o's image_transform geometry: shorter side to `resolution` (PIL bicubic), then a centre crop to resolution². */
export function resizeAndCrop(img: Image, resolution: number): Image {
  const { height: H, width: W } = img;
  const [h, w] = H <= W ? [resolution, Math.trunc((resolution * W) / H)] : [Math.trunc((resolution * H) / W), resolution];
  return centerCrop(resizeBicubic(img, h, w, "pil"), resolution, resolution);
}

/** 1 where value ≥ threshold, else 0 (values in the image's own scale). */
export function threshold(img: Image, at: number): Uint8Array {
  return Uint8Array.from(img.data, (v) => (v >= at ? 1 : 0));
}
