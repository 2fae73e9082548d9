// The safetensors header: parsed and validated from bytes, with no file access, so the browser
// run-time of compiled packages (runtime/web/weights.ts) shares it with the file reader
// (safetensors.ts, which re-exports all of it).
//
// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON (may be padded with
// spaces), then the data region. The JSON maps each tensor name to {dtype, shape, data_offsets:
// [begin, end]} with offsets relative to the data region, plus an optional "__metadata__" map of
// strings. The format requires the tensors to cover the data region exactly: sorted by offset,
// each begins where the previous ended, no overlaps, no holes, nothing after the last one.

import type { StDType } from "./dtypes.ts";
import { SPEC_DTYPE_BYTES, ST_DTYPES, isStDType, stBytes } from "./dtypes.ts";

/** The reference implementation refuses headers over 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  readonly name: string;
  readonly dtype: StDType;
  readonly shape: readonly number[];
  /** Byte range [begin, end) in the data region. */
  readonly begin: number;
  readonly end: number;
  readonly numel: number;
}

export interface SafetensorsHeader {
  readonly file: string;
  readonly fileSize: number;
  /** N, the JSON header's length in bytes. */
  readonly headerLength: number;
  /** File offset of the data region: 8 + N. */
  readonly dataStart: number;
  /** Size of the data region the header describes (the largest `end`). */
  readonly dataLength: number;
  readonly metadata: Readonly<Record<string, string>> | undefined;
  /** Tensors in header order. */
  readonly tensors: readonly TensorEntry[];
  /** Tensors whose bytes run past the end of the file, in offset order (empty for a whole file). */
  readonly truncated: readonly TensorEntry[];
}

/** A checkpoint that cannot be used, with every problem found. */
export class CheckpointError extends Error {
  readonly file: string;
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    super(problems.length === 1 ? `${file}: ${problems[0]}` : `${file}: ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "CheckpointError";
    this.file = file;
    this.problems = problems;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * Validate a header. `lengthBytes` are the file's first 8 bytes, `json` the N header bytes that
 * follow (fewer if the file ends sooner). Throws CheckpointError listing every problem.
 */
export function parseHeader(file: string, fileSize: number, lengthBytes: Uint8Array, json: Uint8Array): SafetensorsHeader {
  if (fileSize < 8 || lengthBytes.length < 8) throw new CheckpointError(file, [`file is ${fileSize} bytes; a safetensors file starts with an 8-byte header length`]);
  const n64 = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 < 2n) throw new CheckpointError(file, [`header length is ${n64}; a JSON header takes at least 2 bytes`]);
  if (n64 > BigInt(MAX_HEADER_BYTES)) throw new CheckpointError(file, [`header length ${n64} is over the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file, or a corrupt one)`]);
  const n = Number(n64);
  if (8 + n > fileSize || json.length < n) throw new CheckpointError(file, [`header length ${n} runs past the end of the file (${fileSize} bytes)`]);

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(json.subarray(0, n));
  } catch {
    throw new CheckpointError(file, ["header is not valid UTF-8"]);
  }
  if (!text.startsWith("{")) throw new CheckpointError(file, [`header does not start with '{' (starts with ${JSON.stringify(text.slice(0, 16))})`]);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file, [`header is not valid JSON: ${(e as Error).message}`]);
  }
  if (!isRecord(doc)) throw new CheckpointError(file, ["header is not a JSON object"]);

  const problems: string[] = [];
  let metadata: Record<string, string> | undefined;
  const tensors: TensorEntry[] = [];
  // Byte ranges of every entry with usable offsets (valid or not otherwise), for the coverage check.
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(doc)) {
    if (name === "__metadata__") {
      if (!isRecord(v) || !Object.values(v).every((x) => typeof x === "string")) problems.push("__metadata__ is not a map of strings");
      else metadata = v as Record<string, string>;
      continue;
    }
    const where = `tensor '${name}'`;
    if (!isRecord(v)) {
      problems.push(`${where}: entry is not an object`);
      continue;
    }
    const { dtype, shape, data_offsets: offs } = v;
    let ok = true;
    if (typeof dtype !== "string") {
      problems.push(`${where}: dtype is missing or not a string`);
      ok = false;
    } else if (!isStDType(dtype)) {
      problems.push(`${where}: dtype '${dtype}' is ${dtype in SPEC_DTYPE_BYTES ? "not supported" : "not a safetensors dtype"} (supported: ${ST_DTYPES.join(", ")})`);
      ok = false;
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      problems.push(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
      ok = false;
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isCount)) {
      problems.push(`${where}: data_offsets ${JSON.stringify(offs)} is not [begin, end] of non-negative integers`);
      continue;
    }
    const [begin, end] = offs as [number, number];
    if (begin > end) {
      problems.push(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
      continue;
    }
    spans.push({ name, begin, end });
    if (!ok) continue;
    const dims = shape as number[];
    const numel = dims.reduce((a, b) => a * b, 1);
    const want = numel * stBytes(dtype as StDType);
    if (end - begin !== want) {
      problems.push(`${where}: ${dtype}[${dims.join(", ")}] takes ${want} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
      continue;
    }
    tensors.push({ name, dtype: dtype as StDType, shape: dims, begin, end, numel });
  }

  // Contiguous coverage: in offset order each range begins where the previous one ended.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let last: { name: string; begin: number; end: number } | undefined;
  for (const t of spans) {
    if (t.begin < at) problems.push(`tensor '${t.name}' [${t.begin}, ${t.end}) overlaps tensor '${last!.name}' [${last!.begin}, ${last!.end})`);
    else if (t.begin > at) problems.push(`bytes [${at}, ${t.begin}) before tensor '${t.name}' belong to no tensor (the data region must be covered without gaps)`);
    if (t.end >= at) {
      at = t.end;
      last = t;
    }
  }
  const dataLength = at;
  const available = fileSize - 8 - n;
  if (available > dataLength) problems.push(`${available - dataLength} bytes after the last tensor's data belong to no tensor (the file is ${fileSize} bytes, the header accounts for ${8 + n + dataLength})`);
  if (problems.length > 0) throw new CheckpointError(file, problems);

  const byOffset = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  const truncated = byOffset.filter((t) => t.end > available && t.end > t.begin);
  return { file, fileSize, headerLength: n, dataStart: 8 + n, dataLength, metadata, tensors, truncated };
}

/** What a truncated file lacks, in one sentence naming the first tensor cut. */
export function truncationMessage(h: SafetensorsHeader): string | undefined {
  const first = h.truncated[0];
  if (!first) return undefined;
  const available = h.fileSize - h.dataStart;
  const more = h.truncated.length > 1 ? ` (and ${h.truncated.length - 1} more after it)` : "";
  return `file is truncated: tensor '${first.name}' needs bytes [${first.begin}, ${first.end}) of the data region but it has only ${available} of ${h.dataLength} bytes${more}`;
}

