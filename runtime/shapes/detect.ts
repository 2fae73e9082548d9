// Reading a picture of the shapes world back into a scene, by pixel analysis alone (for
// `showo eval shapes`, which checks generated images against their prompts):
//
//   1. background  the per-channel median of the one-pixel border ring, named by the nearest
//                  BACKGROUNDS colour ("unknown" when none is within BACKGROUND_TOLERANCE)
//   2. coverage    each pixel p as a blend B + α(C − B) of the background B and the palette colour
//                  C that explains it best (least residual); α by projection onto C − B, in [0, 1]
//   3. objects     8-connected components of α ≥ 0.5; each takes the pixels up to 2 steps around
//                  it that no other component is nearer to (its anti-aliased fringe)
//   4. colour      the mean of the component's interior pixels (α ≥ 0.75; all of them when it has
//                  none), named by the nearest palette colour; α is then recomputed against it
//   5. measures    area = Σα, centre = the α-weighted centroid of pixel centres; components of
//                  area < MIN_AREA_FRACTION of the smallest shape the world draws are dropped
//   6. shape       the kind whose outline, scaled to the measured area and placed at the measured
//                  centre, overlaps the coverage best (soft IoU Σ min / Σ max against the outline's
//                  supersampled coverage, sharp or once smoothed, whichever is nearer); `fit` is
//                  that IoU, and below MIN_FIT the shape is "unknown"
//   7. size        the size radius the fitted outline needed, named by the nearest of SIZES on a
//                  log scale; position by positionOf on the centre, the generator's own rule
//
// Objects are listed in reading order of their centres (top to bottom, then left to right).

import type { Image } from "../image.ts";
import type { Shape } from "./geometry.ts";
import { SHAPES, unitArea } from "./geometry.ts";
import { pixelBox, pixelCoverage } from "./render.ts";
import type { Background, Color, Position, Size } from "./world.ts";
import { BACKGROUNDS, BACKGROUND_NAMES, COLORS, COLOR_NAMES, SIZES, SIZE_NAMES, positionOf } from "./world.ts";

/** Largest RGB distance from a named background for the border's median to take its name. */
export const BACKGROUND_TOLERANCE = 48;
/** Components smaller than this share of the smallest shape's area are noise. */
export const MIN_AREA_FRACTION = 0.3;
/** Below this outline overlap a component is not called any shape. */
export const MIN_FIT = 0.5;

type Rgb = readonly [number, number, number];

export interface DetectedShape {
  readonly shape: Shape | "unknown";
  readonly color: Color;
  readonly size: Size;
  readonly position: Position;
  /** Centroid, px (pixel (x, y) is [x, x+1] × [y, y+1]). */
  readonly x: number;
  readonly y: number;
  /** Σ coverage, px². */
  readonly area: number;
  /** Soft IoU of the best outline, in [0, 1]. */
  readonly fit: number;
  /** RGB distance of the interior's mean colour from the named colour. */
  readonly colorDistance: number;
}

export interface Detection {
  readonly background: Background | "unknown";
  readonly backgroundRgb: Rgb;
  readonly shapes: readonly DetectedShape[];
}

const dist = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

function nearest<K extends string>(table: Record<K, Rgb>, names: readonly K[], c: Rgb): [K, number] {
  let best = names[0]!, bd = Infinity;
  for (const k of names) {
    const d = dist(table[k], c);
    if (d < bd) [best, bd] = [k, d];
  }
  return [best, bd];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** α of pixel p against colour c over background b: the projection of p − b onto c − b, clamped. */
function alphaOf(p: Rgb, b: Rgb, c: Rgb): number {
  const e0 = c[0] - b[0], e1 = c[1] - b[1], e2 = c[2] - b[2];
  const ee = e0 * e0 + e1 * e1 + e2 * e2;
  if (ee === 0) return 0;
  return Math.min(1, Math.max(0, ((p[0] - b[0]) * e0 + (p[1] - b[1]) * e1 + (p[2] - b[2]) * e2) / ee));
}

export function detectScene(img: Image): Detection {
  if (img.channels !== 3) throw new Error(`detectScene needs an RGB image, got ${img.channels} channels`);
  const { width: W, height: H, data } = img;
  const n = W * H;
  const px = (i: number): Rgb => [data[i]!, data[n + i]!, data[2 * n + i]!];

  // 1. Background.
  const ring: number[] = [];
  for (let x = 0; x < W; x++) ring.push(x, (H - 1) * W + x);
  for (let y = 1; y < H - 1; y++) ring.push(y * W, y * W + W - 1);
  const B: Rgb = [0, 1, 2].map((c) => median(ring.map((i) => data[c * n + i]!))) as unknown as Rgb;
  const [bgName, bgDist] = nearest(BACKGROUNDS, BACKGROUND_NAMES, B);

  // 2. Coverage against the best-fitting palette colour.
  const alpha = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p = px(i);
    let best = Infinity, a = 0;
    for (const c of COLOR_NAMES) {
      const C = COLORS[c], ac = alphaOf(p, B, C);
      if (ac <= 0) continue;
      const res = Math.hypot(p[0] - B[0] - ac * (C[0] - B[0]), p[1] - B[1] - ac * (C[1] - B[1]), p[2] - B[2] - ac * (C[2] - B[2]));
      if (res < best) [best, a] = [res, ac];
    }
    alpha[i] = a;
  }

  // 3. Components of α ≥ 0.5 (8-connected), then their fringes (multi-source BFS, 2 steps).
  const label = new Int32Array(n).fill(-1);
  const comps: number[][] = [];
  for (let s = 0; s < n; s++) {
    if (label[s] !== -1 || alpha[s]! < 0.5) continue;
    const id = comps.length, pixels = [s];
    label[s] = id;
    for (let q = 0; q < pixels.length; q++) {
      const i = pixels[q]!, x = i % W, y = (i - x) / W;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx, yy = y + dy, j = yy * W + xx;
        if (xx < 0 || yy < 0 || xx >= W || yy >= H || label[j] !== -1 || alpha[j]! < 0.5) continue;
        label[j] = id;
        pixels.push(j);
      }
    }
    comps.push(pixels);
  }
  const region = comps.map((c) => [...c]);
  let frontier = comps.flatMap((c, id) => c.map((i) => [i, id] as const));
  for (let step = 0; step < 2; step++) {
    const next: (readonly [number, number])[] = [];
    for (const [i, id] of frontier) {
      const x = i % W, y = (i - x) / W;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx, yy = y + dy, j = yy * W + xx;
        if (xx < 0 || yy < 0 || xx >= W || yy >= H || label[j] !== -1) continue;
        label[j] = id;
        region[id]!.push(j);
        next.push([j, id]);
      }
    }
    frontier = next;
  }

  // 4–7. Per component.
  const minArea = MIN_AREA_FRACTION * Math.min(...SHAPES.map((s) => unitArea(s))) * (Math.min(...Object.values(SIZES)) * W) ** 2;
  const shapes: DetectedShape[] = [];
  comps.forEach((core, id) => {
    const interior = core.filter((i) => alpha[i]! >= 0.75);
    const use = interior.length > 0 ? interior : core;
    const mean = [0, 1, 2].map((c) => use.reduce((s, i) => s + data[c * n + i]!, 0) / use.length) as unknown as Rgb;
    const [color, colorDistance] = nearest(COLORS, COLOR_NAMES, mean);
    const cov = new Map<number, number>();
    let area = 0, sx = 0, sy = 0;
    for (const i of region[id]!) {
      const a = alphaOf(px(i), B, COLORS[color]);
      if (a <= 0) continue;
      cov.set(i, a);
      const x = i % W, y = (i - x) / W;
      area += a;
      sx += a * (x + 0.5);
      sy += a * (y + 0.5);
    }
    if (area < minArea) return;
    const cx = sx / area, cy = sy / area;
    let shape: Shape | "unknown" = "unknown", fit = -1, radius = 0;
    for (const k of SHAPES) {
      const r = Math.sqrt(area / unitArea(k));
      const f = softIou(cov, k, r, cx, cy, W, H);
      if (f > fit) [shape, fit, radius] = [k, f, r];
    }
    if (fit < MIN_FIT) shape = "unknown";
    const size = SIZE_NAMES.reduce((a, b) => (Math.abs(Math.log(radius / W / SIZES[b])) < Math.abs(Math.log(radius / W / SIZES[a])) ? b : a));
    shapes.push({ shape, color, size, position: positionOf(cx, cy, W, H), x: cx, y: cy, area, fit, colorDistance });
  });
  shapes.sort((a, b) => a.y - b.y || a.x - b.x);
  return { background: bgDist <= BACKGROUND_TOLERANCE ? bgName : "unknown", backgroundRgb: B, shapes };
}

/**
 * The best soft IoU, Σ min / Σ max, of the observed coverage against the outline's supersampled
 * coverage, sharp or smoothed once by the 3×3 binomial kernel (so that a slightly blurred picture,
 * such as a decoder's, still reads as the shape it shows: a blurred square is nearer a blurred
 * square than a sharp circle).
 */
function softIou(cov: ReadonlyMap<number, number>, shape: Shape, r: number, cx: number, cy: number, W: number, H: number): number {
  const [bx0, by0, bx1, by1] = pixelBox(shape, r, cx, cy, W, H);
  const x0 = Math.max(0, bx0 - 1), y0 = Math.max(0, by0 - 1), x1 = Math.min(W, bx1 + 1), y1 = Math.min(H, by1 + 1);
  const w = x1 - x0, h = y1 - y0;
  const sharp = new Float64Array(w * h);
  for (let y = by0; y < by1; y++) for (let x = bx0; x < bx1; x++) sharp[(y - y0) * w + x - x0] = pixelCoverage(shape, r, cx, cy, x, y);
  const smooth = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let v = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx, yy = y + dy;
      if (xx >= 0 && yy >= 0 && xx < w && yy < h) v += (dx === 0 ? 2 : 1) * (dy === 0 ? 2 : 1) * sharp[yy * w + xx]!;
    }
    smooth[y * w + x] = v / 16;
  }
  let best = 0;
  for (const t of [sharp, smooth]) {
    let inter = 0, union = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const a = cov.get((y + y0) * W + x + x0) ?? 0, b = t[y * w + x]!;
      inter += Math.min(a, b);
      union += Math.max(a, b);
    }
    // Observed coverage outside the window counts in the union only.
    for (const [i, a] of cov) {
      const x = i % W, y = (i - x) / W;
      if (x < x0 || x >= x1 || y < y0 || y >= y1) union += a;
    }
    if (union > 0) best = Math.max(best, inter / union);
  }
  return best;
}
