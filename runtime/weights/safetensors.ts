// Reading safetensors files without loading them whole.
//
// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON (may be padded with
// spaces), then the data region. The JSON maps each tensor name to {dtype, shape, data_offsets:
// [begin, end]} with offsets relative to the data region, plus an optional "__metadata__" map of
// strings. The format requires the tensors to cover the data region exactly: sorted by offset,
// each begins where the previous ended, no overlaps, no holes, nothing after the last one.
//
// The header is validated in full and every problem is reported at once. A file that is cut short
// (its data region smaller than the header says) is not a header error: its header can still be
// listed and mapped (`showo inspect`), and reading a cut tensor fails naming it.

import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { decodeInto, firstNonFinite, stBytes } from "./dtypes.ts";
import type { SafetensorsHeader, TensorEntry } from "./safetensors-header.ts";
import { CheckpointError, MAX_HEADER_BYTES, parseHeader, truncationMessage } from "./safetensors-header.ts";

/** Bytes read per chunk when streaming tensor data (a multiple of every element size). */
export const DEFAULT_CHUNK_BYTES = 8 << 20;

export type { SafetensorsHeader, TensorEntry } from "./safetensors-header.ts";
export { CheckpointError, MAX_HEADER_BYTES, parseHeader, truncationMessage } from "./safetensors-header.ts";

async function readFully(fh: FileHandle, buf: Uint8Array, position: number): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

async function readHeaderFrom(fh: FileHandle, file: string): Promise<SafetensorsHeader> {
  const size = (await fh.stat()).size;
  const lengthBytes = new Uint8Array(8);
  const got = await readFully(fh, lengthBytes, 0);
  if (got < 8) return parseHeader(file, size, lengthBytes.subarray(0, got), new Uint8Array(0));
  const n64 = new DataView(lengthBytes.buffer).getBigUint64(0, true);
  // parseHeader rejects an absurd length before it looks at the JSON: read none then.
  if (n64 < 2n || n64 > BigInt(MAX_HEADER_BYTES)) return parseHeader(file, size, lengthBytes, new Uint8Array(0));
  // Read no more than the file holds.
  const json = new Uint8Array(Math.min(Number(n64), Math.max(0, size - 8)));
  const read = await readFully(fh, json, 8);
  return parseHeader(file, size, lengthBytes, json.subarray(0, read));
}

/** Read and validate a file's header only. */
export async function readHeader(file: string): Promise<SafetensorsHeader> {
  const fh = await open(file, "r");
  try {
    return await readHeaderFrom(fh, file);
  } finally {
    await fh.close();
  }
}

export interface ReadOptions {
  /** Round every value to this (the model's dtype): f16/bf16 rounding, integer truncation. */
  readonly round?: (x: number) => number;
  /** Bytes per read; a multiple of 8 (default 8 MiB). */
  readonly chunkBytes?: number;
  /**
   * Refuse a float tensor holding NaN or ±Inf (CheckpointError naming the tensor, the first bad
   * element and its kind), checked on the raw bits before decoding. Off by default: this is the
   * raw reader (inspection, training checkpoints check their own); loading weights turns it on.
   */
  readonly finite?: boolean;
}

/** Row-major multi-index of flat element `i` of `shape`. */
function multiIndex(shape: readonly number[], i: number): number[] {
  const at = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    at[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return at;
}

/** The problem of a tensor whose element `index` is non-finite. */
export function nonFiniteMessage(t: TensorEntry, index: number, kind: string): string {
  const at = t.shape.length > 1 ? ` [${multiIndex(t.shape, index).join(", ")}]` : "";
  return `tensor '${t.name}' ${t.dtype}[${t.shape.join(", ")}] holds ${kind} at flat index ${index}${at}: non-finite weights are refused (a diverged or corrupt checkpoint?)`;
}

/** An open safetensors file: the validated header and chunked reads of tensor data. */
export class SafetensorsFile {
  readonly header: SafetensorsHeader;
  readonly #fh: FileHandle;
  readonly #byName: Map<string, TensorEntry>;

  private constructor(fh: FileHandle, header: SafetensorsHeader) {
    this.#fh = fh;
    this.header = header;
    this.#byName = new Map(header.tensors.map((t) => [t.name, t]));
  }

  static async open(file: string): Promise<SafetensorsFile> {
    const fh = await open(file, "r");
    try {
      return new SafetensorsFile(fh, await readHeaderFrom(fh, file));
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  entry(name: string): TensorEntry {
    const t = this.#byName.get(name);
    if (!t) throw new Error(`${this.header.file}: no tensor '${name}'`);
    return t;
  }

  /**
   * Stream a tensor's values: `onChunk(values, start)` receives consecutive element ranges in a
   * scratch array that is reused (copy what must be kept). Memory: one chunk, whatever the size.
   */
  async readChunks(name: string, as: "f64" | "f32", onChunk: (values: Float64Array | Float32Array, start: number) => void, opts: ReadOptions = {}): Promise<void> {
    const t = this.entry(name);
    const h = this.header;
    if (t.end > h.fileSize - h.dataStart) throw new CheckpointError(h.file, [`cannot read tensor '${name}': ${truncationMessage(h)}`]);
    const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (chunkBytes < 8 || chunkBytes % 8 !== 0) throw new Error(`chunkBytes must be a positive multiple of 8, got ${chunkBytes}`);
    const el = stBytes(t.dtype);
    const perChunk = Math.max(1, Math.floor(Math.min(chunkBytes, t.end - t.begin || 8) / el));
    const raw = new Uint8Array(perChunk * el); // its own ArrayBuffer: aligned for typed views
    const out = as === "f64" ? new Float64Array(perChunk) : new Float32Array(perChunk);
    const round = opts.round ?? ((x: number) => x);
    for (let start = 0; start < t.numel; start += perChunk) {
      const count = Math.min(perChunk, t.numel - start);
      const bytes = raw.subarray(0, count * el);
      const got = await readFully(this.#fh, bytes, h.dataStart + t.begin + start * el);
      if (got < bytes.length) throw new CheckpointError(h.file, [`tensor '${name}': the file ended after ${start * el + got} of its ${t.end - t.begin} bytes (was it changed while being read?)`]);
      const bad = opts.finite ? firstNonFinite(t.dtype, bytes, count) : undefined;
      if (bad) throw new CheckpointError(h.file, [nonFiniteMessage(t, start + bad.index, bad.kind)]);
      decodeInto(t.dtype, bytes, count, out, 0, round);
      onChunk(count === perChunk ? out : out.subarray(0, count), start);
    }
  }

  /** A whole tensor as float64 (for RefTensors) or float32 (for device uploads). */
  async read(name: string, as: "f64", opts?: ReadOptions): Promise<Float64Array>;
  async read(name: string, as: "f32", opts?: ReadOptions): Promise<Float32Array>;
  async read(name: string, as: "f64" | "f32", opts: ReadOptions = {}): Promise<Float64Array | Float32Array> {
    const t = this.entry(name);
    const out = as === "f64" ? new Float64Array(t.numel) : new Float32Array(t.numel);
    await this.readChunks(name, as, (v, start) => out.set(v, start), opts);
    return out;
  }

  async close(): Promise<void> {
    await this.#fh.close();
  }
}
