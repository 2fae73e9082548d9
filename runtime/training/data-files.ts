// Training data on disk (docs/training.md, "Data"): three readers, each validating every line and
// naming what is wrong as `file:line: …`, and the image loading they share.
//
//   image–caption folder   PNG files and captions.jsonl: {"image": "a.png", "caption": "…"} per line,
//                          image paths relative to the folder (T2I rows; the images alone for MAGVIT-v2)
//   text file (.jsonl)     {"text": "…"} per line (LM rows)
//   question–answer file   {"image": "a.png", "question": "…", "answer": "…"} per line, image paths
//   (.jsonl)               relative to the file's folder (MMU rows)
//
// Rules for every .jsonl: blank lines are skipped; each other line is one JSON object; the named
// keys must be present and hold non-empty strings (whitespace alone counts as empty: an empty
// caption would be the unconditional prompt, which condition dropout already supplies); other keys
// are ignored; an image must exist and start with the PNG signature (it is decoded later, when its
// codes or pixels are first needed, and a decoding error then names the line that referenced it).
// A file with no examples is an error.
//
// Images are read as RGB (runtime/image.ts readPng) and transformed as Show-o's image_transform
// (runtime/sampling/image-transform.ts): shorter side to R (PIL bicubic), centre crop R×R, [−1, 1],
// planar f32 [3, R, R].

import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { readPng } from "../image.ts";
import { imageTransform } from "../sampling/image-transform.ts";

/** An image an example refers to: its resolved path and the `file:line` that named it. */
export interface ImageRef {
  readonly path: string;
  readonly where: string;
}

export interface CaptionExample {
  readonly image: ImageRef;
  readonly caption: string;
}

export interface TextExample {
  readonly text: string;
  readonly where: string;
}

export interface QaExample {
  readonly image: ImageRef;
  readonly question: string;
  readonly answer: string;
}

export const CAPTIONS_FILE = "captions.jsonl";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${path}: cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
}

/** The JSON objects of a .jsonl file with their 1-based line numbers; blank lines skipped. */
function jsonLines(path: string, what: string): { line: number; obj: Record<string, unknown> }[] {
  const out: { line: number; obj: Record<string, unknown> }[] = [];
  readText(path, what).split(/\r?\n/).forEach((text, i) => {
    if (text.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new Error(`${path}:${i + 1}: not JSON (${(e as Error).message})`, { cause: e });
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${path}:${i + 1}: expected a JSON object, got ${Array.isArray(v) ? "an array" : JSON.stringify(v)}`);
    out.push({ line: i + 1, obj: v as Record<string, unknown> });
  });
  if (out.length === 0) throw new Error(`${path}: no examples (every line is blank)`);
  return out;
}

function stringField(obj: Record<string, unknown>, key: string, where: string, keys: readonly string[]): string {
  if (!(key in obj)) throw new Error(`${where}: missing "${key}" (each line needs ${keys.map((k) => `"${k}"`).join(", ")})`);
  const v = obj[key];
  if (typeof v !== "string") throw new Error(`${where}: "${key}" must be a string, got ${v === null ? "null" : Array.isArray(v) ? "an array" : typeof v}`);
  if (v.trim() === "") throw new Error(`${where}: "${key}" is empty`);
  return v;
}

/** True when the file starts with the 8-byte PNG signature. */
function hasPngSignature(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(8);
    return readSync(fd, b, 0, 8, 0) === 8 && PNG_SIGNATURE.every((x, i) => b[i] === x);
  } finally {
    closeSync(fd);
  }
}

/** Resolves an image path against `base` and checks that it is a PNG file. */
function imageRef(base: string, name: string, where: string): ImageRef {
  const path = resolve(base, name);
  if (!existsSync(path)) throw new Error(`${where}: image "${name}" does not exist (${path})`);
  if (!statSync(path).isFile()) throw new Error(`${where}: image "${name}" is not a file (${path})`);
  if (!hasPngSignature(path)) throw new Error(`${where}: image "${name}" is not a PNG file (${path} lacks the PNG signature)`);
  return { path, where };
}

/** An image–caption folder: captions.jsonl's examples, image paths relative to the folder. */
export function readCaptionFolder(dir: string): CaptionExample[] {
  const file = join(dir, CAPTIONS_FILE);
  if (!existsSync(file)) throw new Error(`${dir}: no ${CAPTIONS_FILE} (an image–caption folder holds PNG files and ${CAPTIONS_FILE})`);
  const keys = ["image", "caption"];
  return jsonLines(file, "captions").map(({ line, obj }) => {
    const where = `${file}:${line}`;
    const image = stringField(obj, "image", where, keys);
    return { caption: stringField(obj, "caption", where, keys), image: imageRef(dir, image, where) };
  });
}

/** A text file: one {"text": "…"} per line. */
export function readTextFile(path: string): TextExample[] {
  return jsonLines(path, "text file").map(({ line, obj }) => {
    const where = `${path}:${line}`;
    return { text: stringField(obj, "text", where, ["text"]), where };
  });
}

/** A question–answer file: one {"image", "question", "answer"} per line, images relative to the file. */
export function readQaFile(path: string): QaExample[] {
  const keys = ["image", "question", "answer"];
  const base = dirname(resolve(path));
  return jsonLines(path, "question–answer file").map(({ line, obj }) => {
    const where = `${path}:${line}`;
    const image = stringField(obj, "image", where, keys);
    const question = stringField(obj, "question", where, keys);
    const answer = stringField(obj, "answer", where, keys);
    return { image: imageRef(base, image, where), question, answer };
  });
}

/**
 * The images of a folder, for MAGVIT-v2 training: with captions.jsonl, the images it names (each
 * once, in order of first mention; captions unused); without it, every *.png file directly in
 * the folder, sorted by name.
 */
export function readImageFolder(dir: string): ImageRef[] {
  if (existsSync(join(dir, CAPTIONS_FILE))) return distinctImages(readCaptionFolder(dir).map((e) => e.image));
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.toLowerCase().endsWith(".png")).sort();
  } catch (e) {
    throw new Error(`${dir}: cannot list the image folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  const refs = names.map((n) => imageRef(dir, n, join(dir, n)));
  if (refs.length === 0) throw new Error(`${dir}: no PNG files and no ${CAPTIONS_FILE}`);
  return refs;
}

/** Each path once, the first reference kept. */
export function distinctImages(refs: Iterable<ImageRef>): ImageRef[] {
  const seen = new Map<string, ImageRef>();
  for (const r of refs) if (!seen.has(r.path)) seen.set(r.path, r);
  return [...seen.values()];
}

/** Reads an image and applies image_transform at resolution R: f32 [3, R, R] in [−1, 1]. */
export function loadImage(ref: ImageRef, resolution: number): Float32Array {
  try {
    return imageTransform(readPng(ref.path), resolution);
  } catch (e) {
    throw new Error(`${ref.where}: ${(e as Error).message}`, { cause: e });
  }
}
