// The loss curve of a run as a PNG, drawn from metrics.csv with the project's PNG writer: the
// weighted total in black and each term in its own colour, over steps, on a log-scaled loss axis
// with a light grid at every power of ten. Small and dependency-free; a glance, not a figure.

import { existsSync, readFileSync } from "node:fs";
import { renameSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { writePng } from "../image.ts";

const W = 640, H = 360, PAD = 24;
const COLOURS: readonly (readonly [number, number, number])[] = [[0, 0, 0], [220, 50, 47], [38, 139, 210], [133, 153, 0], [211, 54, 130], [181, 137, 0]];

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
  const vals = rows.flatMap((r) => cols.map(([, i]) => r[i]!)).filter((v) => Number.isFinite(v) && v > 0);
  if (vals.length === 0) return;
  const lo = Math.floor(Math.log10(Math.min(...vals))), hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...vals))));
  const s0 = Math.min(...steps), s1 = Math.max(s0 + 1, Math.max(...steps));
  const data = new Float32Array(3 * W * H).fill(255);
  const put = (x: number, y: number, c: readonly number[]) => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    for (let k = 0; k < 3; k++) data[k * W * H + y * W + x] = c[k]!;
  };
  const px = (s: number) => Math.round(PAD + ((s - s0) / (s1 - s0)) * (W - 2 * PAD));
  const py = (v: number) => Math.round(H - PAD - ((Math.log10(v) - lo) / (hi - lo)) * (H - 2 * PAD));
  for (let d = lo; d <= hi; d++) for (let x = PAD; x < W - PAD; x++) put(x, py(10 ** d), [225, 225, 225]);
  for (let x = PAD; x < W - PAD; x++) put(x, H - PAD, [120, 120, 120]);
  for (let y = PAD; y < H - PAD; y++) put(PAD, y, [120, 120, 120]);
  cols.forEach(([, i], k) => {
    let prev: [number, number] | undefined;
    rows.forEach((r) => {
      const v = r[i]!;
      if (!(Number.isFinite(v) && v > 0)) {
        prev = undefined;
        return;
      }
      const p: [number, number] = [px(r[stepCol]!), py(v)];
      if (prev) line(prev, p, COLOURS[k % COLOURS.length]!, put);
      else put(p[0], p[1], COLOURS[k % COLOURS.length]!);
      prev = p;
    });
  });
  const tmp = join(dirname(png), `.${basename(png)}.tmp-${process.pid}`);
  writePng(tmp, { channels: 3, height: H, width: W, data });
  renameSync(tmp, png);
}

function line(a: [number, number], b: [number, number], c: readonly number[], put: (x: number, y: number, c: readonly number[]) => void): void {
  const n = Math.max(Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]), 1);
  for (let t = 0; t <= n; t++) put(Math.round(a[0] + ((b[0] - a[0]) * t) / n), Math.round(a[1] + ((b[1] - a[1]) * t) / n), c);
}
