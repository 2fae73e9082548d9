// Weights for a compiled package: a safetensors file given as bytes or fetched from a URL, its
// header validated (safetensors-header.ts, shared with the Node reader) and checked against the
// package's parameter table: every parameter present with its shape, a dtype that converts to it.

import { roundTo } from "../../compiler/ir/ref.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import type { DType } from "../../compiler/ir/types.ts";
import { decodeInto, isStFloat } from "../weights/dtypes.ts";
import { CheckpointError, parseHeader } from "../weights/safetensors-header.ts";

/** One row of a package's parameter table. */
export interface ParamSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export type WeightsSource = string | URL | ArrayBuffer | Uint8Array;

/** The bytes of a source: fetched when it is a URL (in Node, fetch takes http(s) URLs only). */
export async function weightBytes(src: WeightsSource): Promise<Uint8Array> {
  if (src instanceof Uint8Array) return src;
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  const res = await fetch(src);
  if (!res.ok) throw new Error(`weights ${String(src)}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The tensors of `table` from safetensors bytes; every problem is listed at once. `where` names the source. */
export function readWeights(bytes: Uint8Array, table: readonly ParamSpec[], where: string): Record<string, RefTensor> {
  const n = bytes.length >= 8 ? Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true)) : 0;
  const header = parseHeader(where, bytes.length, bytes.subarray(0, 8), bytes.subarray(8, 8 + Math.min(n, Math.max(0, bytes.length - 8))));
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  const problems: string[] = [];
  const out: Record<string, RefTensor> = {};
  for (const p of table) {
    const t = byName.get(p.name);
    const want = `${p.dtype}[${p.shape.join(", ")}]`;
    if (!t) {
      problems.push(`missing '${p.name}' (${want})`);
      continue;
    }
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      problems.push(`'${p.name}' is ${t.dtype}[${t.shape.join(", ")}], the package expects ${want}`);
      continue;
    }
    const float = p.dtype === "f32" || p.dtype === "f16" || p.dtype === "bf16";
    if (float !== isStFloat(t.dtype)) {
      problems.push(`'${p.name}' is ${t.dtype}, the package expects ${p.dtype}`);
      continue;
    }
    if (t.end > header.dataLength || header.dataStart + t.end > bytes.length) {
      problems.push(`'${p.name}' runs past the end of the data (truncated file?)`);
      continue;
    }
    // decodeInto wants its bytes 8-aligned in their buffer: a copy of the tensor's range is.
    const raw = bytes.slice(header.dataStart + t.begin, header.dataStart + t.end);
    const data = new Float64Array(t.numel);
    const dtype = p.dtype;
    decodeInto(t.dtype, raw, t.numel, data, 0, (x) => roundTo(dtype, x));
    out[p.name] = { dtype: p.dtype, shape: [...p.shape], data };
  }
  if (problems.length > 0) throw new CheckpointError(where, problems);
  return out;
}
