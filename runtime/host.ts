// Host-side conversion between float64 reference tensors and device memory layouts.

import type { DType } from "../compiler/ir/types.ts";
import type { ElemType } from "../compiler/kernels/kernel-ir.ts";
import { roundTo } from "../compiler/ir/ref.ts";

/** Encode values as the device stores them (f32, f16, i32 or u32 little-endian). */
export function toDeviceBytes(data: ArrayLike<number>, elem: ElemType): Uint8Array {
  const n = data.length;
  switch (elem) {
    case "f32": return new Uint8Array(Float32Array.from(data).buffer);
    case "f16": return new Uint8Array(Float16Array.from(data).buffer);
    case "i32": return new Uint8Array(Int32Array.from(data).buffer);
    case "u32": {
      const u = new Uint32Array(n);
      for (let i = 0; i < n; i++) u[i] = data[i]! >>> 0;
      return new Uint8Array(u.buffer);
    }
  }
}

/** Decode device memory (possibly several shards) into float64 values of the dtype. */
export function fromDeviceBytes(parts: readonly ArrayBuffer[], elem: ElemType, dtype: DType, numel: number): Float64Array {
  const out = new Float64Array(numel);
  let o = 0;
  for (const p of parts) {
    const view = elem === "f32" ? new Float32Array(p) : elem === "f16" ? new Float16Array(p) : elem === "i32" ? new Int32Array(p) : new Uint32Array(p);
    const take = Math.min(view.length, numel - o);
    for (let i = 0; i < take; i++) out[o + i] = roundTo(dtype, view[i]!);
    o += take;
  }
  return out;
}

/**
 * Encode values as consecutive shards of the given element counts, each padded with zeros to a
 * whole number of 4-byte words (bindings and buffer writes move whole words).
 */
export function toDeviceShards(data: ArrayLike<number>, elem: ElemType, counts: readonly number[]): Uint8Array[] {
  const bytes = toDeviceBytes(data, elem);
  const per = elem === "f16" ? 2 : 4;
  const out: Uint8Array[] = [];
  let at = 0;
  for (const n of counts) {
    const chunk = bytes.subarray(at * per, (at + n) * per);
    at += n;
    if (chunk.byteLength % 4 === 0) out.push(chunk);
    else {
      const padded = new Uint8Array(Math.ceil(chunk.byteLength / 4) * 4);
      padded.set(chunk);
      out.push(padded);
    }
  }
  if (at !== data.length) throw new Error(`internal: shards of ${counts.join(" + ")} elements do not cover ${data.length} values`);
  return out;
}
