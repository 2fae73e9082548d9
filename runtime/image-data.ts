// Images as planar float data, and the pixel arithmetic on them: colour conversion, the [−1, 1]
// scaling MAGVIT-v2 takes, bicubic resizing (PIL's and torch's), cropping. No file access, so the
// browser run-time of compiled packages shares it; image.ts adds PNG files and re-exports it.

export interface Image {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Planar [C, H, W], values in [0, 255] (floats between resampling steps). */
  readonly data: Float32Array;
}

/** PIL's convert("L"): L = R·299/1000 + G·587/1000 + B·114/1000. */
export function toGrey(img: Image): Image {
  if (img.channels === 1) return img;
  const n = img.height * img.width;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.round((img.data[i]! * 299 + img.data[n + i]! * 587 + img.data[2 * n + i]! * 114) / 1000);
  return { channels: 1, height: img.height, width: img.width, data };
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

/** The taps of outputs first … first + count − 1 of a resize from inSize to outSize. */
function pilTaps(inSize: number, outSize: number, first: number, count: number): Taps {
  const scale = inSize / outSize, fs = Math.max(scale, 1), support = 2 * fs;
  const taps: Taps = [];
  for (let o = first; o < first + count; o++) {
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

function torchTaps(inSize: number, outSize: number, first: number, count: number): Taps {
  const scale = inSize / outSize;
  const taps: Taps = [];
  for (let o = first; o < first + count; o++) {
    const x = (o + 0.5) * scale - 0.5;
    const x0 = Math.floor(x), f = x - x0;
    const t: [number, number][] = [];
    for (let k = -1; k <= 2; k++) t.push([Math.min(Math.max(x0 + k, 0), inSize - 1), cubic(k - f, -0.75)]);
    taps.push(t);
  }
  return taps;
}

export type ResizeMode = "pil" | "torch";

/** Refuses sides the resampling cannot take: a zero side divides by zero in the aspect ratio and
 * the tap scales, and a non-finite one sends the tap loops on until the heap is gone (issue #15). */
export function checkSides(what: string, height: number, width: number): void {
  const whole = (n: number) => Number.isInteger(n) && n >= 1;
  if (!whole(height) || !whole(width)) throw new Error(`${what} is ${height}×${width} (height × width); both sides must be whole numbers ≥ 1`);
}

/** Bicubic resize to height × width (separable: rows, then columns). */
export function resizeBicubic(img: Image, height: number, width: number, mode: ResizeMode): Image {
  checkSides("resizeBicubic: the image", img.height, img.width);
  checkSides("resizeBicubic: the target size", height, width);
  if (height === img.height && width === img.width) return img;
  return resizeWindow(img, height, width, mode, { top: 0, left: 0, height, width });
}

interface Window {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/** The window `win` of img resized to height × width: only the window's outputs, and only the source
 * rows they read, are computed, so that cropping a long thin image costs the crop, not the resize. */
function resizeWindow(img: Image, height: number, width: number, mode: ResizeMode, win: Window): Image {
  const { channels: C, height: H, width: W } = img;
  const taps = mode === "pil" ? pilTaps : torchTaps;
  const tx = taps(W, width, win.left, win.width), ty = taps(H, height, win.top, win.height);
  const round = mode === "pil" ? (v: number) => Math.min(255, Math.max(0, Math.round(v))) : (v: number) => v;
  let r0 = H, r1 = -1;
  for (const t of ty) for (const [i] of t) (r0 = Math.min(r0, i)), (r1 = Math.max(r1, i));
  const rows = Math.max(0, r1 - r0 + 1), ow = win.width, oh = win.height;
  // PIL resamples horizontally first, each pass rounding to 8 bits.
  const mid = new Float32Array(C * rows * ow);
  for (let c = 0; c < C; c++) for (let y = 0; y < rows; y++) for (let x = 0; x < ow; x++) {
    let v = 0;
    for (const [i, w] of tx[x]!) v += w * img.data[(c * H + r0 + y) * W + i]!;
    mid[(c * rows + y) * ow + x] = round(v);
  }
  const out = new Float32Array(C * oh * ow);
  for (let c = 0; c < C; c++) for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) {
    let v = 0;
    for (const [i, w] of ty[y]!) v += w * mid[(c * rows + i - r0) * ow + x]!;
    out[(c * oh + y) * ow + x] = round(v);
  }
  return { channels: C, height: oh, width: ow, data: out };
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
  checkSides("resizeAndCrop: the image", H, W);
  if (!(Number.isInteger(resolution) && resolution >= 1)) throw new Error(`resizeAndCrop: the resolution must be a whole number ≥ 1, got ${resolution}`);
  const R = resolution;
  const [h, w] = H <= W ? [R, Math.trunc((R * W) / H)] : [Math.trunc((R * H) / W), R];
  if (h === H && w === W) return centerCrop(img, R, R);
  // Only the crop is resized: a 1×60 M image (within readPng's budget) would resize to 512×30 G first.
  const top = roundHalfEven((h - R) / 2), left = roundHalfEven((w - R) / 2);
  return resizeWindow(img, h, w, "pil", { top, left, height: R, width: R });
}

/** 1 where value ≥ threshold, else 0 (values in the image's own scale). */
export function threshold(img: Image, at: number): Uint8Array {
  return Uint8Array.from(img.data, (v) => (v >= at ? 1 : 0));
}
