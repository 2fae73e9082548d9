// The loss curve of a run as a PNG, drawn from metrics.csv with the project's PNG writer and the
// samples' 5×7 font: the weighted total in black and each term in its own colour, over steps, with
// a legend and labelled grid lines. The loss axis is logarithmic when every value is positive and
// linear otherwise (MAGVIT-v2's entropy term and total go below zero). Small and dependency-free; a
// glance, not a figure.

import { existsSync, readFileSync, renameSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { writePng } from "../image.ts";
import { ADVANCE, GLYPH_H, glyph } from "./samples.ts";

const W = 720, H = 400, LEFT = 64, RIGHT = 16, TOP = 16, BOTTOM = 28;
type Rgb = readonly [number, number, number];
const COLOURS: readonly Rgb[] = [[0, 0, 0], [220, 50, 47], [38, 139, 210], [133, 153, 0], [211, 54, 130], [181, 137, 0]];
const GRID: Rgb = [225, 225, 225], AXIS: Rgb = [120, 120, 120], TEXT: Rgb = [60, 60, 60];

class Plot {
  readonly data = new Float32Array(3 * W * H).fill(255);
  put(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    for (let k = 0; k < 3; k++) this.data[k * W * H + y * W + x] = c[k]!;
  }
  line(a: readonly [number, number], b: readonly [number, number], c: Rgb): void {
    const n = Math.max(Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]), 1);
    for (let t = 0; t <= n; t++) this.put(Math.round(a[0] + ((b[0] - a[0]) * t) / n), Math.round(a[1] + ((b[1] - a[1]) * t) / n), c);
  }
  text(s: string, x0: number, y0: number, c: Rgb): void {
    [...s].forEach((ch, i) => {
      glyph(ch).forEach((col, dx) => {
        for (let dy = 0; dy < GLYPH_H; dy++) if ((col >> dy) & 1) this.put(x0 + i * ADVANCE + dx, y0 + dy, c);
      });
    });
  }
}

/** A short label for an axis value. */
function label(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-2 ? v.toExponential(0) : String(Number(v.toPrecision(3)));
}

/** Draws the loss columns of `csv` (those named loss or loss_*) into `png`; no-op without data. */
export function drawLossCurve(csv: string, png: string): void {
  if (!existsSync(csv)) return;
  const lines = readFileSync(csv, "utf8").split("\n").filter((l) => l.length > 0);
  if (lines.length < 2) return;
  const head = lines[0]!.split(",");
  const rows = lines.slice(1).map((l) => l.split(",").map((x) => (x === "" ? NaN : Number(x))));
  const stepCol = head.indexOf("step");
  const cols = head.map((h, i) => [h, i] as const).filter(([h]) => h === "loss" || h.startsWith("loss_"));
  const steps = rows.map((r) => r[stepCol]!);
  const vals = rows.flatMap((r) => cols.map(([, i]) => r[i]!)).filter(Number.isFinite);
  if (vals.length === 0) return;
  const log = vals.every((v) => v > 0);
  const f = (v: number) => (log ? Math.log10(v) : v);
  let lo = Math.min(...vals.map(f)), hi = Math.max(...vals.map(f));
  if (log) [lo, hi] = [Math.floor(lo), Math.max(Math.floor(lo) + 1, Math.ceil(hi))];
  else if (hi - lo < 1e-12) [lo, hi] = [lo - 1, hi + 1];
  const s0 = Math.min(...steps), s1 = Math.max(s0 + 1, Math.max(...steps));
  const px = (s: number) => Math.round(LEFT + ((s - s0) / (s1 - s0)) * (W - LEFT - RIGHT));
  const py = (v: number) => Math.round(H - BOTTOM - ((f(v) - lo) / (hi - lo)) * (H - TOP - BOTTOM));
  const p = new Plot();

  // Grid: every power of ten (log) or five even steps (linear), labelled on the left.
  const ticks = log ? Array.from({ length: hi - lo + 1 }, (_, k) => 10 ** (lo + k)) : Array.from({ length: 5 }, (_, k) => lo + ((hi - lo) * k) / 4);
  for (const t of ticks) {
    const y = py(t);
    for (let x = LEFT; x < W - RIGHT; x++) p.put(x, y, GRID);
    const s = label(t);
    p.text(s, LEFT - 6 - s.length * ADVANCE, y - 3, TEXT);
  }
  for (let x = LEFT; x < W - RIGHT; x++) p.put(x, H - BOTTOM, AXIS);
  for (let y = TOP; y <= H - BOTTOM; y++) p.put(LEFT, y, AXIS);
  p.text(`step ${s0}`, LEFT, H - BOTTOM + 8, TEXT);
  const last = `step ${s1}`;
  p.text(last, W - RIGHT - last.length * ADVANCE, H - BOTTOM + 8, TEXT);
  if (log) p.text("log scale", LEFT + 4, TOP - 12 < 0 ? TOP : 2, TEXT);

  cols.forEach(([name, i], k) => {
    const c = COLOURS[k % COLOURS.length]!;
    let prev: [number, number] | undefined;
    for (const r of rows) {
      const v = r[i]!;
      if (!Number.isFinite(v)) {
        prev = undefined;
        continue;
      }
      const q: [number, number] = [px(r[stepCol]!), py(v)];
      if (prev) p.line(prev, q, c);
      else p.put(q[0], q[1], c);
      prev = q;
    }
    // Legend, top right.
    const lx = W - RIGHT - 120, ly = TOP + 4 + k * 11;
    for (let x = lx; x < lx + 12; x++) for (let y = ly + 2; y < ly + 5; y++) p.put(x, y, c);
    p.text(name, lx + 16, ly, TEXT);
  });

  const tmp = join(dirname(png), `.${basename(png)}.tmp-${process.pid}`);
  writePng(tmp, { channels: 3, height: H, width: W, data: p.data });
  renameSync(tmp, png);
}
