// Rasterising a scene: each pixel is the background blended with the colour of the shape that
// covers it, by the fraction covered, measured with SUPERSAMPLE × SUPERSAMPLE samples at the
// centres of a regular sub-grid. Pixel (x, y) is the square [x, x+1] × [y, y+1]; shapes never
// overlap (world.ts), so one shape at most touches a sample. Values are rounded to integers, so a
// PNG round trip is exact.

import type { Image } from "../image.ts";
import type { Shape } from "./geometry.ts";
import { inside, unitExtent } from "./geometry.ts";
import type { Scene } from "./world.ts";
import { BACKGROUNDS, COLORS, radiusOf } from "./world.ts";

export const SUPERSAMPLE = 5;

/** The pixel box [x0, x1) × [y0, y1) that a shape at (cx, cy), size radius r, can touch, clipped to W × H. */
export function pixelBox(shape: Shape, r: number, cx: number, cy: number, W: number, H: number): [number, number, number, number] {
  const e = unitExtent(shape);
  return [
    Math.max(0, Math.floor(cx + e.left * r)), Math.max(0, Math.floor(cy + e.top * r)),
    Math.min(W, Math.ceil(cx + e.right * r)), Math.min(H, Math.ceil(cy + e.bottom * r)),
  ];
}

/** The fraction of pixel (x, y) inside the shape centred at (cx, cy) with size radius r. */
export function pixelCoverage(shape: Shape, r: number, cx: number, cy: number, x: number, y: number): number {
  const S = SUPERSAMPLE;
  let n = 0;
  for (let j = 0; j < S; j++) {
    const dy = y + (j + 0.5) / S - cy;
    for (let i = 0; i < S; i++) if (inside(shape, x + (i + 0.5) / S - cx, dy, r)) n++;
  }
  return n / (S * S);
}

/** The scene as an RGB image [3, H, W], integer values in [0, 255]. */
export function renderScene(scene: Scene): Image {
  const { width: W, height: H } = scene;
  const n = W * H;
  const data = new Float32Array(3 * n);
  const bg = BACKGROUNDS[scene.background];
  for (let c = 0; c < 3; c++) data.fill(bg[c]!, c * n, (c + 1) * n);
  for (const o of scene.objects) {
    const r = radiusOf(o.size, W), col = COLORS[o.color];
    const [x0, y0, x1, y1] = pixelBox(o.shape, r, o.x, o.y, W, H);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
      const a = pixelCoverage(o.shape, r, o.x, o.y, x, y);
      if (a === 0) continue;
      const i = y * W + x;
      for (let c = 0; c < 3; c++) data[c * n + i] = Math.round(bg[c]! + a * (col[c]! - bg[c]!));
    }
  }
  return { channels: 3, height: H, width: W, data };
}
