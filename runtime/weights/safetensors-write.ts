// Writing safetensors files chunk by chunk: the header first, then each tensor's data in order,
// encoded through one reused buffer, so a tensor's values can come from a generator and the file
// is never built in memory.

import { open } from "node:fs/promises";
import type { StDType } from "./dtypes.ts";
import { encodeInto, isStDType, stBytes } from "./dtypes.ts";
import { DEFAULT_CHUNK_BYTES } from "./safetensors.ts";

/**
 * Values of elements [start, start + count) in row-major order. The writer encodes them before it
 * asks for the next range, so a source may return the same buffer every time.
 */
export type ValueSource = (start: number, count: number) => ArrayLike<number>;

export interface TensorToWrite {
  readonly name: string;
  readonly dtype: StDType;
  readonly shape: readonly number[];
  /** All values, or a function producing them range by range (for tensors too big to hold). */
  readonly data: ArrayLike<number> | ValueSource;
}

export interface WriteOptions {
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Write the header alone, with no data region: a file that can be inspected and key-mapped but
   * whose tensors cannot be read (a test fixture for full-size checkpoints).
   */
  readonly headerOnly?: boolean;
  readonly chunkBytes?: number;
  /**
   * "given" (default) keeps the caller's order; "safetensors" sorts as the reference writer does
   * (dtype descending in its enum order, then name), which reproduces files saved from PyTorch.
   */
  readonly order?: "given" | "safetensors";
}

/** Rank of our dtypes in the reference implementation's Dtype enum (it sorts by it, descending). */
const DTYPE_ENUM_RANK: Readonly<Record<StDType, number>> = { F16: 0, BF16: 1, I32: 2, F32: 3, I64: 4 };

/** The reference writer's order: dtype descending, then name (byte order). */
export function safetensorsOrder(tensors: readonly TensorToWrite[]): TensorToWrite[] {
  return [...tensors].sort((a, b) => DTYPE_ENUM_RANK[b.dtype] - DTYPE_ENUM_RANK[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The header bytes (length prefix + JSON padded with spaces so that data starts 8-aligned). */
export function encodeHeader(tensors: readonly TensorToWrite[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const doc: Record<string, unknown> = {};
  if (metadata) doc["__metadata__"] = metadata;
  let at = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === "__metadata__") throw new Error("'__metadata__' cannot be a tensor name");
    if (seen.has(t.name)) throw new Error(`tensor '${t.name}' is listed twice`);
    seen.add(t.name);
    if (!isStDType(t.dtype)) throw new Error(`tensor '${t.name}': unsupported dtype '${String(t.dtype)}'`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`tensor '${t.name}': bad shape [${t.shape.join(", ")}]`);
    const bytes = t.shape.reduce((a, b) => a * b, 1) * stBytes(t.dtype);
    doc[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + bytes] };
    at += bytes;
  }
  let json = JSON.stringify(doc);
  const utf8 = new TextEncoder();
  const len = utf8.encode(json).length;
  json += " ".repeat((8 - ((8 + len) % 8)) % 8);
  const body = utf8.encode(json);
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
  out.set(body, 8);
  return out;
}

/** Write `tensors` to `file` in the given order; returns the file's size in bytes. */
export async function writeSafetensors(file: string, given: readonly TensorToWrite[], opts: WriteOptions = {}): Promise<number> {
  const tensors = opts.order === "safetensors" ? safetensorsOrder(given) : given;
  const header = encodeHeader(tensors, opts.metadata);
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (chunkBytes < 8 || chunkBytes % 8 !== 0) throw new Error(`chunkBytes must be a positive multiple of 8, got ${chunkBytes}`);
  const fh = await open(file, "w");
  try {
    let pos = 0;
    const write = async (b: Uint8Array) => {
      let done = 0;
      while (done < b.length) done += (await fh.write(b, done, b.length - done, pos + done)).bytesWritten;
      pos += b.length;
    };
    await write(header);
    if (opts.headerOnly) return pos;
    const scratch = new Uint8Array(chunkBytes);
    for (const t of tensors) {
      const numel = t.shape.reduce((a, b) => a * b, 1);
      const el = stBytes(t.dtype);
      const per = Math.max(1, Math.floor(chunkBytes / el));
      const src = t.data;
      if (typeof src !== "function" && src.length !== numel) throw new Error(`tensor '${t.name}': shape [${t.shape.join(", ")}] has ${numel} elements but ${src.length} values were given`);
      for (let start = 0; start < numel; start += per) {
        const count = Math.min(per, numel - start);
        const values = typeof src === "function" ? src(start, count) : sliceOf(src, start, count);
        if (values.length < count) throw new Error(`tensor '${t.name}': the value source gave ${values.length} values for elements [${start}, ${start + count})`);
        const out = scratch.subarray(0, count * el);
        encodeInto(t.dtype, values, count, out);
        await write(out);
      }
    }
    return pos;
  } finally {
    await fh.close();
  }
}

/** A window on an array without copying when it is a typed array. */
function sliceOf(a: ArrayLike<number>, start: number, count: number): ArrayLike<number> {
  if (ArrayBuffer.isView(a)) return (a as unknown as Float64Array).subarray(start, start + count);
  return Array.prototype.slice.call(a, start, start + count) as number[];
}
