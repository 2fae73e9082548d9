// Element types and shapes of the Graph IR.
//
// A dimension is a non-negative integer or a symbolic product such as "B", "B*L" or "4*B*L"
// (a positive integer coefficient, then symbol names in sorted order, joined by "*"). Products are
// enough for what models do with symbolic sizes (batch and sequence): reshapes that merge or split
// them, and equality checks. Executables bind every symbol to a number before they run.

export type DType = "f32" | "f16" | "bf16" | "i32" | "u32" | "bool";
export const DTYPES: readonly DType[] = ["f32", "f16", "bf16", "i32", "u32", "bool"];
export const FLOAT_DTYPES: readonly DType[] = ["f32", "f16", "bf16"];

export function isDType(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s);
}
export function isFloat(d: DType): boolean {
  return d === "f32" || d === "f16" || d === "bf16";
}
export function isInt(d: DType): boolean {
  return d === "i32" || d === "u32";
}
/** Bytes one element occupies in device memory (bool is stored as u32 on devices). */
export function byteSize(d: DType): number {
  return d === "f16" || d === "bf16" ? 2 : 4;
}

export type Dim = number | string;
export type Shape = readonly Dim[];

const SYM = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A symbolic product as a coefficient and sorted symbol names. */
interface Product {
  coef: number;
  syms: string[];
}

function toProduct(d: Dim): Product {
  if (typeof d === "number") return { coef: d, syms: [] };
  let coef = 1;
  const syms: string[] = [];
  for (const part of d.split("*")) {
    if (/^\d+$/.test(part)) coef *= Number(part);
    else if (SYM.test(part)) syms.push(part);
    else throw new Error(`bad symbolic dimension '${d}'`);
  }
  syms.sort();
  return { coef, syms };
}

function fromProduct(p: Product): Dim {
  if (p.syms.length === 0 || p.coef === 0) return p.coef;
  return (p.coef === 1 ? "" : `${p.coef}*`) + p.syms.join("*");
}

/**
 * The largest dimension, and the largest coefficient of a symbolic one: 2^53 - 1, the largest
 * integer a number holds exactly. Past it, sizes round silently (9007199254740993 reads as ...992),
 * so the parser refuses them and the verifier reports them.
 */
export const MAX_DIM = Number.MAX_SAFE_INTEGER;

/** The numeric factor of a dimension: the number itself, or a product's coefficient (1 when none is written). */
export function dimCoef(d: Dim): number {
  return toProduct(d).coef;
}

/** Canonical form of a dimension: numbers stay, products are sorted ("L*B" becomes "B*L"). */
export function dim(d: Dim): Dim {
  if (typeof d === "number") {
    if (!Number.isInteger(d) || d < 0) throw new Error(`dimension must be a non-negative integer, got ${d}`);
    return d;
  }
  return fromProduct(toProduct(d));
}

export function isSymbolic(d: Dim): d is string {
  return typeof d === "string";
}

export function dimMul(a: Dim, b: Dim): Dim {
  const pa = toProduct(a), pb = toProduct(b);
  return fromProduct({ coef: pa.coef * pb.coef, syms: [...pa.syms, ...pb.syms].sort() });
}

/** a / b when it divides exactly (symbols cancel), else undefined. */
export function dimDiv(a: Dim, b: Dim): Dim | undefined {
  const pa = toProduct(a), pb = toProduct(b);
  if (pb.coef === 0 || pa.coef % pb.coef !== 0) return undefined;
  const syms = [...pa.syms];
  for (const s of pb.syms) {
    const i = syms.indexOf(s);
    if (i < 0) return undefined;
    syms.splice(i, 1);
  }
  return fromProduct({ coef: pa.coef / pb.coef, syms });
}

export function dimEq(a: Dim, b: Dim): boolean {
  return dim(a) === dim(b);
}

export function shapeEq(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimEq(d, b[i]!));
}

/** Number of elements, symbolic when a dimension is. */
export function numel(s: Shape): Dim {
  return s.reduce<Dim>((acc, d) => dimMul(acc, d), 1);
}

export function isConcrete(s: Shape): s is readonly number[] {
  return s.every((d) => typeof d === "number");
}

export function concreteShape(s: Shape, what = "shape"): number[] {
  if (!isConcrete(s)) throw new Error(`${what} ${formatShape(s)} has symbolic dimensions; bind them first`);
  return [...s];
}

export function formatShape(s: Shape): string {
  return `[${s.join(", ")}]`;
}

export function formatType(dtype: DType, s: Shape): string {
  return `${dtype}[${s.join(", ")}]`;
}

/** Substitute symbol values into a dimension. */
export function bindDim(d: Dim, env: Readonly<Record<string, number>>): Dim {
  if (typeof d === "number") return d;
  const p = toProduct(d);
  let coef = p.coef;
  const rest: string[] = [];
  for (const s of p.syms) {
    const v = env[s];
    if (v === undefined) rest.push(s);
    else coef *= v;
  }
  return fromProduct({ coef, syms: rest });
}

export function bindShape(s: Shape, env: Readonly<Record<string, number>>): Shape {
  return s.map((d) => bindDim(d, env));
}

/**
 * Match a declared shape against a concrete one, extending `env` with symbol values. Only single
 * symbols (not products) can be solved for; products must already be determined by earlier dims.
 */
export function unifyShape(decl: Shape, actual: readonly number[], env: Record<string, number>): string | undefined {
  if (decl.length !== actual.length) return `rank ${decl.length} expected, got ${actual.length}`;
  for (let i = 0; i < decl.length; i++) {
    const d = bindDim(decl[i]!, env), a = actual[i]!;
    if (typeof d === "number") {
      if (d !== a) return `dimension ${i} should be ${d}, got ${a}`;
    } else if (SYM.test(d)) {
      env[d] = a;
    } else {
      const p = toProduct(d);
      if (p.syms.length !== 1 || a % p.coef !== 0) return `cannot solve dimension ${i} '${d}' from ${a}`;
      env[p.syms[0]!] = a / p.coef;
    }
  }
  return undefined;
}

/** Normalize a possibly negative axis for a tensor of the given rank. */
export function normAxis(axis: number, rank: number, what = "axis"): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${what} ${axis} out of range for rank ${rank}`);
  return a;
}

export function strides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i]!;
  }
  return st;
}
