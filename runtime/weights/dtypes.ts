// safetensors element types: sizes, and conversion of little-endian bytes to and from numbers.
//
// Checkpoints hold F32 (Show-o, MAGVIT-v2), F16 or BF16 weights, and sometimes I64/I32 buffers
// (MAGVIT's quantize.power_vals). Values are converted chunk by chunk, so a tensor is never held
// twice in full.


export type StDType = "F32" | "F16" | "BF16" | "I64" | "I32";
export const ST_DTYPES: readonly StDType[] = ["F32", "F16", "BF16", "I64", "I32"];

/** Element sizes of every dtype the safetensors format defines (the ones we read are ST_DTYPES). */
export const SPEC_DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

export function isStDType(s: string): s is StDType {
  return (ST_DTYPES as readonly string[]).includes(s);
}

export function stBytes(d: StDType): number {
  return SPEC_DTYPE_BYTES[d]!;
}

export function isStFloat(d: StDType): boolean {
  return d === "F32" || d === "F16" || d === "BF16";
}

// Typed arrays use the platform's byte order (no node:os here: the browser run-time shares this file).
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error("safetensors data is little-endian; this platform is big-endian, which is not supported");

/**
 * Decode `count` elements from `bytes` (which must start at a multiple of 8 in its buffer) into
 * `out[at..at+count)`, passing each value through `round` (rounding to the model's dtype).
 */
export function decodeInto(dtype: StDType, bytes: Uint8Array, count: number, out: Float64Array | Float32Array, at: number, round: (x: number) => number): void {
  const buf = bytes.buffer, off = bytes.byteOffset;
  switch (dtype) {
    case "F32": {
      const v = new Float32Array(buf, off, count);
      for (let i = 0; i < count; i++) out[at + i] = round(v[i]!);
      return;
    }
    case "F16": {
      const v = new Float16Array(buf, off, count);
      for (let i = 0; i < count; i++) out[at + i] = round(v[i]!);
      return;
    }
    case "BF16": {
      // bf16 is the top half of an f32: widen through a one-element scratch.
      const v = new Uint16Array(buf, off, count);
      const u = new Uint32Array(1), f = new Float32Array(u.buffer);
      for (let i = 0; i < count; i++) {
        u[0] = v[i]! << 16;
        out[at + i] = round(f[0]!);
      }
      return;
    }
    case "I64": {
      const v = new BigInt64Array(buf, off, count);
      for (let i = 0; i < count; i++) out[at + i] = round(Number(v[i]!));
      return;
    }
    case "I32": {
      const v = new Int32Array(buf, off, count);
      for (let i = 0; i < count; i++) out[at + i] = round(v[i]!);
      return;
    }
  }
}

/** f32 bits → bf16 bits, round to nearest even (NaN stays NaN). */
function bf16Bits(x: number, u: Uint32Array, f: Float32Array): number {
  f[0] = x;
  const v = u[0]!;
  if (Number.isNaN(x)) return (v >>> 16) | 0x40;
  return ((v + 0x7fff + ((v >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Encode values[0..count) as `dtype` into `out` (which must start at a multiple of 8 in its buffer). */
export function encodeInto(dtype: StDType, values: ArrayLike<number>, count: number, out: Uint8Array): void {
  const buf = out.buffer, off = out.byteOffset;
  switch (dtype) {
    case "F32": {
      const v = new Float32Array(buf, off, count);
      for (let i = 0; i < count; i++) v[i] = values[i]!;
      return;
    }
    case "F16": {
      const v = new Float16Array(buf, off, count);
      for (let i = 0; i < count; i++) v[i] = values[i]!;
      return;
    }
    case "BF16": {
      const v = new Uint16Array(buf, off, count);
      const u = new Uint32Array(1), f = new Float32Array(u.buffer);
      for (let i = 0; i < count; i++) v[i] = bf16Bits(values[i]!, u, f);
      return;
    }
    case "I64": {
      const v = new BigInt64Array(buf, off, count);
      for (let i = 0; i < count; i++) {
        const x = values[i]!;
        if (!Number.isSafeInteger(x)) throw new Error(`cannot store ${x} as I64`);
        v[i] = BigInt(x);
      }
      return;
    }
    case "I32": {
      const v = new Int32Array(buf, off, count);
      for (let i = 0; i < count; i++) {
        const x = values[i]!;
        if (!Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31) throw new Error(`cannot store ${x} as I32`);
        v[i] = x;
      }
      return;
    }
  }
}

/** What a non-finite float is, as messages name it. */
export type NonFiniteKind = "NaN" | "+Inf" | "-Inf";

/** The first non-finite element of a float tensor's bytes: its index in `bytes` and its kind. */
export interface NonFinite {
  readonly index: number;
  readonly kind: NonFiniteKind;
}

/** Exponent, mantissa and sign masks of each float dtype's bit pattern (an all-ones exponent is ±Inf or NaN). */
const FLOAT_BITS: Readonly<Record<"F32" | "F16" | "BF16", { readonly exp: number; readonly mant: number; readonly sign: number }>> = {
  F32: { exp: 0x7f800000, mant: 0x007fffff, sign: 0x80000000 },
  F16: { exp: 0x7c00, mant: 0x03ff, sign: 0x8000 },
  BF16: { exp: 0x7f80, mant: 0x007f, sign: 0x8000 },
};

/**
 * The first NaN or ±Inf among `count` elements of `bytes` (which must start at a multiple of 8 in
 * its buffer), or undefined; always undefined for integer dtypes. One pass over the raw bits, no
 * decoding: an element is non-finite exactly when its exponent bits are all ones, so the loop is
 * one AND and one compare per element (a whole checkpoint costs about as much as reading it).
 */
export function firstNonFinite(dtype: StDType, bytes: Uint8Array, count: number): NonFinite | undefined {
  if (dtype !== "F32" && dtype !== "F16" && dtype !== "BF16") return undefined;
  const { exp, mant, sign } = FLOAT_BITS[dtype];
  const v = dtype === "F32" ? new Uint32Array(bytes.buffer, bytes.byteOffset, count) : new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  for (let i = 0; i < count; i++) {
    // `&` works on int32: for F32 both sides are the same positive int32, so the compare holds.
    if ((v[i]! & exp) !== exp) continue;
    const bits = v[i]!;
    return { index: i, kind: (bits & mant) !== 0 ? "NaN" : (bits & sign) !== 0 ? "-Inf" : "+Inf" };
  }
  return undefined;
}
