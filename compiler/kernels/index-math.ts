// Index arithmetic on u32 Kernel IR expressions, folding constants so generated code stays
// readable: the row-major flat index of a multi-index and back. A leaf shared by emit.ts (the
// KernelContext, which re-exports it for the builders) and inline.ts (the inline rules).

import { strides } from "../ir/types.ts";
import type { ExprLike } from "./build-kernel.ts";
import * as K from "./build-kernel.ts";
import type { Expr } from "./kernel-ir.ts";

const isConst = (e: Expr, v?: number): boolean => e.kind === "const" && (v === undefined || e.value === v);
const cval = (e: Expr): number => (e.kind === "const" ? Number(e.value) : NaN);

export function iadd(a: Expr, b: ExprLike): Expr {
  const eb = typeof b === "number" ? K.u32(b) : (b as Expr);
  if (isConst(a, 0)) return eb;
  if (isConst(eb, 0)) return a;
  if (isConst(a) && isConst(eb)) return K.u32(cval(a) + cval(eb));
  return K.add(a, eb);
}
export function imul(a: Expr, b: number): Expr {
  if (b === 0 || isConst(a, 0)) return K.u32(0);
  if (b === 1) return a;
  if (isConst(a)) return K.u32(cval(a) * b);
  return K.mul(a, K.u32(b));
}
export function idiv(a: Expr, b: number): Expr {
  if (b === 1) return a;
  if (isConst(a)) return K.u32(Math.floor(cval(a) / b));
  return K.div(a, K.u32(b));
}
export function imod(a: Expr, b: number): Expr {
  if (b === 1) return K.u32(0);
  if (isConst(a)) return K.u32(cval(a) % b);
  return K.rem(a, K.u32(b));
}

/** Row-major flat index of a multi-index. */
export function flatIndex(idx: readonly Expr[], shape: readonly number[]): Expr {
  const st = strides(shape);
  let f: Expr = K.u32(0);
  idx.forEach((e, i) => {
    if (shape[i] !== 1) f = iadd(f, imul(e, st[i]!));
  });
  return f;
}

/** Multi-index of a row-major flat index. */
export function unflatten(flat: Expr, shape: readonly number[]): Expr[] {
  const st = strides(shape);
  return shape.map((d, i) => (d === 1 ? K.u32(0) : i === 0 ? idiv(flat, st[i]!) : imod(idiv(flat, st[i]!), d)));
}
