// NumPy's .npy format: parse and encode one array in memory (no file access, so it runs in a
// browser too; npy.ts reads and writes files). The format of `showo forward` and `showo vq`.
//
// Layout (numpy/lib/format.py): the magic "\x93NUMPY", a major and a minor version byte, the
// header length (u16 little-endian for version 1, u32 for versions 2 and 3), then the header: a
// Python dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded
// with spaces and ended by '\n' so that the data starts at a multiple of 64 bytes. The data follows,
// row-major (C order) unless fortran_order is True.
//
// Writing reproduces NumPy 1.24's bytes exactly: version 1.0 (2.0 when the header needs it), keys
// sorted, 21 spare spaces less the width of the first dimension (so NumPy can grow the array in
// place), then padding. Reading takes versions 1–3, little-endian and byte-order-free dtypes, and
// C order; Fortran order and big-endian data are refused by name.

/** The element types handled, by NumPy's type string without the byte-order character. */
export type NpyDType = "f2" | "f4" | "f8" | "i1" | "i2" | "i4" | "i8" | "u1" | "u2" | "u4" | "b1";

export type NpyData = Float16Array | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array;

export interface NpyArray {
  readonly dtype: NpyDType;
  readonly shape: readonly number[];
  /** Row-major values; b1 is a Uint8Array of 0/1. */
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;

const ITEM_BYTES: Readonly<Record<NpyDType, number>> = { f2: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, b1: 1 };

/** What NumPy calls each type, for messages ("float32 [2, 3]"). */
export const NPY_NAMES: Readonly<Record<NpyDType, string>> = {
  f2: "float16", f4: "float32", f8: "float64", i1: "int8", i2: "int16", i4: "int32", i8: "int64", u1: "uint8", u2: "uint16", u4: "uint32", b1: "bool",
};

export function describeNpy(a: { dtype: NpyDType; shape: readonly number[] }): string {
  return `${NPY_NAMES[a.dtype]} [${a.shape.join(", ")}]`;
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function viewData(dtype: NpyDType, buf: ArrayBuffer, offset: number, n: number): NpyData {
  switch (dtype) {
    case "f2": return new Float16Array(buf, offset, n);
    case "f4": return new Float32Array(buf, offset, n);
    case "f8": return new Float64Array(buf, offset, n);
    case "i1": return new Int8Array(buf, offset, n);
    case "i2": return new Int16Array(buf, offset, n);
    case "i4": return new Int32Array(buf, offset, n);
    case "i8": return new BigInt64Array(buf, offset, n);
    case "u1": case "b1": return new Uint8Array(buf, offset, n);
    case "u2": return new Uint16Array(buf, offset, n);
    case "u4": return new Uint32Array(buf, offset, n);
  }
}

/** The dtype of a typed array (b1 must be asked for: a Uint8Array is u1). */
function dtypeOf(data: NpyData): NpyDType {
  if (data instanceof Float16Array) return "f2";
  if (data instanceof Float32Array) return "f4";
  if (data instanceof Float64Array) return "f8";
  if (data instanceof Int8Array) return "i1";
  if (data instanceof Int16Array) return "i2";
  if (data instanceof Int32Array) return "i4";
  if (data instanceof BigInt64Array) return "i8";
  if (data instanceof Uint8Array) return "u1";
  if (data instanceof Uint16Array) return "u2";
  return "u4";
}

/** Parse the bytes of a .npy file; `what` names it in errors. */
export function parseNpy(bytes: Uint8Array, what = ".npy data"): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${what}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error(`${what}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw new Error(`${what}: .npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are)`);
  }
  if (start + headerLen > bytes.length) throw new Error(`${what}: truncated .npy header (${headerLen} bytes announced, ${bytes.length - start} present)`);
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, start + headerLen));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${what}: malformed .npy header ${JSON.stringify(header.trim())}`);
  if (fortran === "True") throw new Error(`${what}: Fortran-order arrays are not supported; save a C-order array (np.ascontiguousarray)`);
  const m = /^([<>|=])([a-z])(\d+)$/.exec(descr);
  if (!m) throw new Error(`${what}: dtype '${descr}' is not supported (structured and string dtypes are not)`);
  const [, order, kind, size] = m;
  const dtype = `${kind}${size}` as NpyDType;
  if (!(dtype in ITEM_BYTES)) throw new Error(`${what}: dtype '${descr}' is not supported (supported: ${Object.values(NPY_NAMES).join(", ")})`);
  if (order === ">" && ITEM_BYTES[dtype] > 1) throw new Error(`${what}: big-endian dtype '${descr}' is not supported; save little-endian data (arr.astype('<${dtype}'))`);
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => {
    const n = Number(s.replace(/L$/, ""));
    if (!Number.isInteger(n) || n < 0) throw new Error(`${what}: bad dimension '${s}' in the .npy shape (${shapeText})`);
    return n;
  });
  const n = numel(shape);
  const dataStart = start + headerLen;
  const need = n * ITEM_BYTES[dtype];
  if (bytes.length - dataStart < need) throw new Error(`${what}: truncated .npy data: ${describeNpy({ dtype, shape })} needs ${need} bytes, the file has ${bytes.length - dataStart}`);
  // Copy into a fresh buffer: typed arrays need their element alignment (and a Node Buffer's
  // slice would share its pool).
  const copy = new Uint8Array(need);
  copy.set(bytes.subarray(dataStart, dataStart + need));
  return { dtype, shape, data: viewData(dtype, copy.buffer, 0, n) };
}

/** Python's repr of a shape tuple: (), (5,), (2, 3). */
function pyShape(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}

/** The .npy bytes of an array, as NumPy 1.24 writes them. */
export function encodeNpy(a: { readonly shape: readonly number[]; readonly data: NpyData; readonly dtype?: NpyDType }): Uint8Array {
  const dtype = a.dtype ?? dtypeOf(a.data);
  if (dtype === "b1" && !(a.data instanceof Uint8Array)) throw new Error("a bool array's data must be a Uint8Array of 0/1");
  if (dtype !== "b1" && dtypeOf(a.data) !== dtype) throw new Error(`dtype '${dtype}' does not match the data (${a.data.constructor.name})`);
  const n = numel(a.shape);
  if (a.shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`bad shape [${a.shape.join(", ")}]`);
  if (a.data.length !== n) throw new Error(`shape [${a.shape.join(", ")}] holds ${n} values, the data has ${a.data.length}`);
  const byteOrder = ITEM_BYTES[dtype] === 1 ? "|" : "<";
  let header = `{'descr': '${byteOrder}${dtype}', 'fortran_order': False, 'shape': ${pyShape(a.shape)}, }`;
  if (a.shape.length > 0) header += " ".repeat(GROWTH_AXIS_MAX_DIGITS - String(a.shape[0]).length);
  // Version 1.0 while the header length fits a u16, else 2.0 (as NumPy guesses).
  let prefix = 10;
  let padded = header.length + 1;
  padded += ALIGN - ((prefix + padded) % ALIGN);
  if (padded > 0xffff) {
    prefix = 12;
    padded = header.length + 1;
    padded += ALIGN - ((prefix + padded) % ALIGN);
  }
  const text = `${header}${" ".repeat(padded - header.length - 1)}\n`;
  const dataBytes = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const out = new Uint8Array(prefix + padded + dataBytes.length);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  if (prefix === 10) {
    out.set([1, 0], 6);
    view.setUint16(8, padded, true);
  } else {
    out.set([2, 0], 6);
    view.setUint32(8, padded, true);
  }
  out.set(new TextEncoder().encode(text), prefix);
  out.set(dataBytes, prefix + padded);
  return out;
}

/** Values as float64 (int64 converted exactly when within ±2^53, else an error). */
export function npyToFloat64(a: NpyArray, what = "array"): Float64Array {
  const out = new Float64Array(a.data.length);
  if (a.data instanceof BigInt64Array) {
    a.data.forEach((v, i) => {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(-Number.MAX_SAFE_INTEGER)) throw new Error(`${what}: int64 value ${v} at ${i} is too large`);
      out[i] = Number(v);
    });
    return out;
  }
  for (let i = 0; i < a.data.length; i++) out[i] = a.data[i]! as number;
  return out;
}
