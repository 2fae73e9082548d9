// Contact sheets for looking at what the models generate: the images are 32×32, too small to judge
// on screen, so each is upscaled with nearest-neighbour (blocky but faithful — no invented detail)
// and laid out in a grid with its prompt written under it. The text is drawn with a built-in
// bitmap font so that a sheet needs no font files or canvas library.

import type { Image } from "./image.ts";

type Rgb = readonly [number, number, number];

/** Nearest-neighbour resize of a square image to side×side; the channel count is kept. */
export function upscaleNearest(img: Image, side: number): Image {
  if (img.width !== img.height) throw new Error(`upscaleNearest: the image is ${img.width}×${img.height}, not square`);
  if (!Number.isInteger(side) || side < 1) throw new Error(`upscaleNearest: side must be an integer ≥ 1, got ${side}`);
  const { channels, width: w, height: h } = img;
  const src = new Int32Array(side * side); // the source index of every output pixel, shared by the channels
  for (let y = 0; y < side; y++) {
    const sy = Math.floor((y * h) / side);
    for (let x = 0; x < side; x++) src[y * side + x] = sy * w + Math.floor((x * w) / side);
  }
  const data = new Float32Array(channels * side * side);
  for (let c = 0; c < channels; c++) {
    const from = c * h * w;
    const to = c * side * side;
    for (let i = 0; i < side * side; i++) data[to + i] = img.data[from + src[i]!]!;
  }
  return { channels, height: side, width: side, data };
}

// The font: 5 columns wide; capitals and digits take rows 0–6, lowercase letters rows 2–6, and
// descenders (g j p q y ,) rows 7–8. Each glyph is its rows from the top, '#' for ink; rows left
// out at the bottom are blank.
const GLYPH_WIDTH = 5;
/** Height of a line of text in pixels at scale 1 (capitals plus descenders, no line spacing). */
export const GLYPH_HEIGHT = 9;
/** Glyph width plus one blank column between neighbours. */
const ADVANCE = GLYPH_WIDTH + 1;

// prettier-ignore
const FONT_ROWS: Readonly<Record<string, string>> = {
  A: ".###. #...# #...# ##### #...# #...# #...#",
  B: "####. #...# #...# ####. #...# #...# ####.",
  C: ".###. #...# #.... #.... #.... #...# .###.",
  D: "###.. #..#. #...# #...# #...# #..#. ###..",
  E: "##### #.... #.... ####. #.... #.... #####",
  F: "##### #.... #.... ####. #.... #.... #....",
  G: ".###. #...# #.... #.### #...# #...# .####",
  H: "#...# #...# #...# ##### #...# #...# #...#",
  I: ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  J: "..### ...#. ...#. ...#. ...#. #..#. .##..",
  K: "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
  L: "#.... #.... #.... #.... #.... #.... #####",
  M: "#...# ##.## #.#.# #.#.# #...# #...# #...#",
  N: "#...# #...# ##..# #.#.# #..## #...# #...#",
  O: ".###. #...# #...# #...# #...# #...# .###.",
  P: "####. #...# #...# ####. #.... #.... #....",
  Q: ".###. #...# #...# #...# #.#.# #..#. .##.#",
  R: "####. #...# #...# ####. #.#.. #..#. #...#",
  S: ".#### #.... #.... .###. ....# ....# ####.",
  T: "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
  U: "#...# #...# #...# #...# #...# #...# .###.",
  V: "#...# #...# #...# #...# #...# .#.#. ..#..",
  W: "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
  X: "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
  Y: "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
  Z: "##### ....# ...#. ..#.. .#... #.... #####",
  a: "..... ..... .###. ....# .#### #...# .####",
  b: "#.... #.... ####. #...# #...# #...# ####.",
  c: "..... ..... .###. #.... #.... #...# .###.",
  d: "....# ....# .#### #...# #...# #...# .####",
  e: "..... ..... .###. #...# ##### #.... .###.",
  f: "..##. .#..# .#... ###.. .#... .#... .#...",
  g: "..... ..... .#### #...# #...# #...# .#### ....# .###.",
  h: "#.... #.... #.##. ##..# #...# #...# #...#",
  i: "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.",
  j: "...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..",
  k: "#.... #.... #..#. #.#.. ##... #.#.. #..#.",
  l: ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  m: "..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#",
  n: "..... ..... #.##. ##..# #...# #...# #...#",
  o: "..... ..... .###. #...# #...# #...# .###.",
  p: "..... ..... ####. #...# #...# #...# ####. #.... #....",
  q: "..... ..... .#### #...# #...# #...# .#### ....# ....#",
  r: "..... ..... #.##. ##..# #.... #.... #....",
  s: "..... ..... .###. #.... .###. ....# ####.",
  t: ".#... .#... ###.. .#... .#... .#..# ..##.",
  u: "..... ..... #...# #...# #...# #..## .##.#",
  v: "..... ..... #...# #...# #...# .#.#. ..#..",
  w: "..... ..... #...# #...# #.#.# #.#.# .#.#.",
  x: "..... ..... #...# .#.#. ..#.. .#.#. #...#",
  y: "..... ..... #...# #...# #...# #...# .#### ....# .###.",
  z: "..... ..... ##### ...#. ..#.. .#... #####",
  0: ".###. #...# #..## #.#.# ##..# #...# .###.",
  1: "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
  2: ".###. #...# ....# ...#. ..#.. .#... #####",
  3: "##### ...#. ..#.. ...#. ....# #...# .###.",
  4: "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
  5: "##### #.... ####. ....# ....# #...# .###.",
  6: "..##. .#... #.... ####. #...# #...# .###.",
  7: "##### ....# ...#. ..#.. .#... .#... .#...",
  8: ".###. #...# #...# .###. #...# #...# .###.",
  9: ".###. #...# #...# .#### ....# ...#. .##..",
  " ": "",
  ".": "..... ..... ..... ..... ..... .##.. .##..",
  ",": "..... ..... ..... ..... ..... .##.. ..#.. .#...",
  "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
  "!": "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",
  ":": "..... .##.. .##.. ..... .##.. .##..",
  ";": "..... .##.. .##.. ..... .##.. ..#.. .#...",
  "'": "..#.. ..#.. .#...",
  '"': ".#.#. .#.#. .#.#.",
  "-": "..... ..... ..... .###.",
  "_": "..... ..... ..... ..... ..... ..... #####",
  "(": "...#. ..#.. .#... .#... .#... ..#.. ...#.",
  ")": ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
  "[": ".###. .#... .#... .#... .#... .#... .###.",
  "]": ".###. ...#. ...#. ...#. ...#. ...#. .###.",
  "/": "....# ....# ...#. ..#.. .#... #.... #....",
  "+": "..... ..#.. ..#.. ##### ..#.. ..#..",
  "=": "..... ..... ##### ..... #####",
  "%": "##..# ##..# ...#. ..#.. .#... #..## #..##",
  "×": "..... #...# .#.#. ..#.. .#.#. #...#",
  "…": "..... ..... ..... ..... ..... ..... #.#.#",
  "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
  "*": "..... ..#.. #.#.# .###. #.#.# ..#..",
  "<": "...#. ..#.. .#... #.... .#... ..#.. ...#.",
  ">": ".#... ..#.. ...#. ....# ...#. ..#.. .#...",
};

/** A character the font lacks: a small hollow box. */
const UNKNOWN_ROWS = "..... ##### #...# #...# #...# #...# #####";

/** Rows as bitmasks, bit 4 the leftmost column. */
function parseGlyph(ch: string, rows: string): Uint8Array {
  const out = new Uint8Array(GLYPH_HEIGHT);
  const parts = rows === "" ? [] : rows.split(" ");
  if (parts.length > GLYPH_HEIGHT) throw new Error(`font: glyph ${JSON.stringify(ch)} has ${parts.length} rows`);
  parts.forEach((row, r) => {
    if (!/^[.#]{5}$/.test(row)) throw new Error(`font: glyph ${JSON.stringify(ch)} row ${r} is ${JSON.stringify(row)}`);
    for (let c = 0; c < GLYPH_WIDTH; c++) if (row[c] === "#") out[r]! |= 1 << (GLYPH_WIDTH - 1 - c);
  });
  return out;
}

const FONT = new Map<string, Uint8Array>(Object.entries(FONT_ROWS).map(([ch, rows]) => [ch, parseGlyph(ch, rows)]));
const UNKNOWN = parseGlyph("unknown", UNKNOWN_ROWS);

function checkScale(scale: number, who: string): void {
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`${who}: scale must be an integer ≥ 1, got ${scale}`);
}

/** Width in pixels of the ink box of a line of text: glyphs and the gaps between them, none after the last. */
export function textWidth(text: string, scale = 1): number {
  checkScale(scale, "textWidth");
  const n = [...text].length;
  return n === 0 ? 0 : (n * ADVANCE - 1) * scale;
}

/**
 * Draws one line of text with its top-left corner at (x, y), in place; pixels outside the image
 * are skipped. The ink lies within textWidth(text, scale) × GLYPH_HEIGHT·scale from (x, y).
 */
export function drawText(img: Image, x: number, y: number, text: string, opts: { color?: Rgb; scale?: number } = {}): void {
  const color = opts.color ?? [0, 0, 0];
  const scale = opts.scale ?? 1;
  checkScale(scale, "drawText");
  if (img.channels !== 3 && img.channels !== 1) throw new Error(`drawText: ${img.channels} channels (1 or 3 expected)`);
  x = Math.round(x);
  y = Math.round(y);
  const { width: w, height: h, channels } = img;
  const plane = w * h;
  // A grey image gets the colour's luminance (the weights of toGrey in image.ts).
  const values = channels === 3 ? color : [(color[0] * 299 + color[1] * 587 + color[2] * 114) / 1000];
  let gx = x;
  for (const ch of text) {
    const glyph = FONT.get(ch) ?? UNKNOWN;
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      const bits = glyph[r]!;
      if (bits === 0) continue;
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (!(bits & (1 << (GLYPH_WIDTH - 1 - c)))) continue;
        const px0 = Math.max(0, gx + c * scale), px1 = Math.min(w, gx + (c + 1) * scale);
        const py0 = Math.max(0, y + r * scale), py1 = Math.min(h, y + (r + 1) * scale);
        for (let py = py0; py < py1; py++) {
          for (let px = px0; px < px1; px++) {
            for (let k = 0; k < channels; k++) img.data[k * plane + py * w + px] = values[k]!;
          }
        }
      }
    }
    gx += ADVANCE * scale;
  }
}

/**
 * Greedy word wrap: words (split at whitespace) join a line while its textWidth stays within
 * maxWidth; a word wider than maxWidth on its own is cut between characters.
 */
export function wrapText(text: string, maxWidth: number, scale = 1): string[] {
  checkScale(scale, "wrapText");
  if (textWidth("x", scale) > maxWidth) throw new Error(`wrapText: maxWidth ${maxWidth} is narrower than one character (${textWidth("x", scale)} px at scale ${scale})`);
  const perLine = Math.floor((maxWidth / scale + 1) / ADVANCE); // characters that fit in maxWidth
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((s) => s !== "")) {
    const joined = line === "" ? word : `${line} ${word}`;
    if (textWidth(joined, scale) <= maxWidth) {
      line = joined;
      continue;
    }
    if (line !== "") lines.push(line);
    const chars = [...word];
    while (chars.length > perLine) lines.push(chars.splice(0, perLine).join(""));
    line = chars.join("");
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** The line cut down (from the end) until it and an ellipsis fit in maxWidth. */
function withEllipsis(line: string, maxWidth: number, scale: number): string {
  const chars = [...line];
  while (chars.length > 0 && textWidth(`${chars.join("").trimEnd()}…`, scale) > maxWidth) chars.pop();
  return `${chars.join("").trimEnd()}…`;
}

export interface ContactSheetOptions {
  /** Tiles per row (default 4; fewer when there are fewer tiles). */
  columns?: number;
  /** Side of each upscaled image in pixels (default 256). */
  tile?: number;
  /** Caption lines under each tile (default 3); a longer caption ends in "…". */
  captionLines?: number;
  /** Integer text scale (default 2). */
  scale?: number;
  /** Space around and between the cells in pixels (default 8). */
  margin?: number;
  background?: Rgb;
  textColor?: Rgb;
}

/**
 * Lays out the tiles in rows, left to right. Each cell is the upscaled image (tile × tile) over
 * captionLines lines of (GLYPH_HEIGHT + 2)·scale pixels each, the 2·scale being the space above a
 * line. With margin m around and between cells the sheet is
 *   width  = columns·tile + (columns + 1)·m
 *   height = rows·(tile + captionLines·(GLYPH_HEIGHT + 2)·scale) + (rows + 1)·m.
 * Grey tiles are shown in grey on the RGB sheet.
 */
export function contactSheet(tiles: readonly { image: Image; caption: string }[], opts: ContactSheetOptions = {}): Image {
  if (tiles.length === 0) throw new Error("contactSheet: no tiles");
  const tile = opts.tile ?? 256;
  const captionLines = opts.captionLines ?? 3;
  const scale = opts.scale ?? 2;
  const margin = opts.margin ?? 8;
  const background = opts.background ?? [255, 255, 255];
  const textColor = opts.textColor ?? [32, 32, 32];
  const wantColumns = opts.columns ?? 4;
  for (const [name, v, min] of [["columns", wantColumns, 1], ["tile", tile, 1], ["captionLines", captionLines, 0], ["scale", scale, 1], ["margin", margin, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`contactSheet: ${name} must be an integer ≥ ${min}, got ${v}`);
  }
  const columns = Math.min(wantColumns, tiles.length);
  const rows = Math.ceil(tiles.length / columns);
  const lineHeight = (GLYPH_HEIGHT + 2) * scale;
  const cellHeight = tile + captionLines * lineHeight;
  const width = columns * tile + (columns + 1) * margin;
  const height = rows * cellHeight + (rows + 1) * margin;
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) data.fill(background[c]!, c * plane, (c + 1) * plane);
  const sheet: Image = { channels: 3, height, width, data };

  tiles.forEach(({ image, caption }, i) => {
    const x0 = margin + (i % columns) * (tile + margin);
    const y0 = margin + Math.floor(i / columns) * (cellHeight + margin);
    let big: Image;
    try {
      big = upscaleNearest(image, tile);
    } catch (e) {
      throw new Error(`contactSheet: tile ${i}: ${(e as Error).message}`, { cause: e });
    }
    const n = tile * tile;
    for (let c = 0; c < 3; c++) {
      const from = Math.min(c, big.channels - 1) * n;
      for (let y = 0; y < tile; y++) data.set(big.data.subarray(from + y * tile, from + (y + 1) * tile), c * plane + (y0 + y) * width + x0);
    }
    if (captionLines === 0) return;
    let lines = wrapText(caption, tile, scale);
    if (lines.length > captionLines) {
      lines = lines.slice(0, captionLines);
      lines[captionLines - 1] = withEllipsis(lines[captionLines - 1]!, tile, scale);
    }
    lines.forEach((line, k) => drawText(sheet, x0, y0 + tile + 2 * scale + k * lineHeight, line, { color: textColor, scale }));
  });
  return sheet;
}
