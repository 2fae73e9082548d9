// Host tensors as the reference interpreter sees them: float64 data, concrete shapes.
//
// Every dtype is held in a Float64Array (integers up to 2^53 are exact). Values are rounded to
// their dtype where an op produces that dtype (`roundTo`), so an f16 result in the oracle carries
// f16 precision and an i32 result wraps like an i32.

import type { DType } from "./types.ts";
import { strides } from "./types.ts";

export interface RefTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(dtype: DType, shape: readonly number[], data?: ArrayLike<number>): RefTensor {
  const n = size(shape);
  const d = new Float64Array(n);
  if (data) {
    if (data.length !== n) throw new Error(`tensor of shape [${shape.join(", ")}] needs ${n} values, got ${data.length}`);
    for (let i = 0; i < n; i++) d[i] = roundTo(dtype, data[i]!);
  }
  return { dtype, shape: [...shape], data: d };
}

export function fromFn(dtype: DType, shape: readonly number[], f: (idx: number[], flat: number) => number): RefTensor {
  const out = tensor(dtype, shape);
  const idx = new Array<number>(shape.length).fill(0);
  const n = out.data.length;
  for (let flat = 0; flat < n; flat++) {
    out.data[flat] = roundTo(dtype, f(idx, flat));
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** Flat offset of a multi-index. */
export function offset(shape: readonly number[], idx: readonly number[]): number {
  const st = strides(shape);
  let o = 0;
  for (let i = 0; i < idx.length; i++) o += idx[i]! * st[i]!;
  return o;
}

function bf16round(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  const v = u[0]!;
  // round to nearest even on the upper 16 bits
  u[0] = ((v + 0x7fff + ((v >>> 16) & 1)) & 0xffff0000) >>> 0;
  return f[0]!;
}

/** Round a float64 value to what the dtype can hold (f32/f16/bf16 rounding, integer wrap, bool 0/1). */
export function roundTo(dtype: DType, x: number): number {
  switch (dtype) {
    case "f32": return x;
    case "f16": return Math.f16round(x);
    case "bf16": return bf16round(x);
    case "i32": return Number.isFinite(x) ? Math.trunc(x) | 0 : 0;
    case "u32": return Number.isFinite(x) ? Math.trunc(x) >>> 0 : 0;
    case "bool": return x !== 0 ? 1 : 0;
  }
}

export function formatRef(t: RefTensor, max = 8): string {
  const vals = Array.from(t.data.slice(0, max), (v) => +v.toPrecision(6));
  return `${t.dtype}[${t.shape.join(", ")}] (${vals.join(", ")}${t.data.length > max ? ", …" : ""})`;
}
