// Helpers shared by op definitions: type rules and reference loops that recur across families.

import type { Node } from "../graph.ts";
import type { ExampleInput, InputInit } from "../op.ts";
import type { RefTensor } from "../ref.ts";
import { roundTo, tensor } from "../ref.ts";
import type { DType, Shape } from "../types.ts";
import { formatShape, isFloat, shapeEq } from "../types.ts";

/** All inputs must have one shape (elementwise ops never broadcast implicitly). */
export function sameShape(shapes: readonly Shape[]): Shape {
  const s0 = shapes[0]!;
  for (const s of shapes.slice(1)) {
    if (!shapeEq(s0, s)) throw new Error(`shapes ${shapes.map(formatShape).join(" and ")} differ (broadcast explicitly)`);
  }
  return s0;
}

export function sameDType(dtypes: readonly DType[]): DType {
  const d0 = dtypes[0]!;
  for (const d of dtypes.slice(1)) {
    if (d !== d0) throw new Error(`dtypes ${dtypes.join(" and ")} differ (cast explicitly)`);
  }
  return d0;
}

export function floatDType(dtypes: readonly DType[]): DType {
  const d = sameDType(dtypes);
  if (!isFloat(d)) throw new Error(`needs a float dtype, got ${d}`);
  return d;
}

export function numericDType(dtypes: readonly DType[]): DType {
  const d = sameDType(dtypes);
  if (d === "bool") throw new Error("needs a numeric dtype, got bool");
  return d;
}

/** Elementwise reference over equal-shaped inputs. */
export function mapRef(inputs: readonly RefTensor[], dtype: DType, f: (...xs: number[]) => number): RefTensor {
  const shape = inputs[0]!.shape;
  const out = tensor(dtype, shape);
  const n = out.data.length;
  const ds = inputs.map((t) => t.data);
  if (ds.length === 1) {
    const a = ds[0]!;
    for (let i = 0; i < n; i++) out.data[i] = roundTo(dtype, f(a[i]!));
  } else if (ds.length === 2) {
    const a = ds[0]!, b = ds[1]!;
    for (let i = 0; i < n; i++) out.data[i] = roundTo(dtype, f(a[i]!, b[i]!));
  } else {
    for (let i = 0; i < n; i++) out.data[i] = roundTo(dtype, f(...ds.map((d) => d[i]!)));
  }
  return out;
}

/** Shorthand for example inputs. */
export function ex(dtype: DType, shape: readonly number[], init?: InputInit): ExampleInput {
  return init ? { dtype, shape, init } : { dtype, shape };
}

/** Gradients exist only for float inputs; integer and bool inputs get null. */
export function floatOnly(inputs: readonly Node[], grads: readonly (Node | null)[]): (Node | null)[] {
  return grads.map((g, i) => (isFloat(inputs[i]!.dtype) ? g : null));
}
