// A compiled executable as plain data: what `showo compile --package` writes for each graph a
// job needs, and what the browser run-time (gpu-executable.ts) reads. Everything the run-time
// needs is here or in the kernel table; nothing refers to the compiler's objects.

import type { DType } from "../../compiler/ir/types.ts";
import type { Access, ElemType, UniformLayout } from "../../compiler/kernels/kernel-ir.ts";

/** One distinct kernel: its WGSL (entry point `main`) and its interface. */
export interface KernelData {
  readonly name: string;
  readonly source: string;
  /** Storage bindings in binding order; the uniform struct (when present) is bound after them. */
  readonly bindings: readonly { readonly name: string; readonly access: Access }[];
  readonly uniform: UniformLayout | null;
  /** The kernel reads logical workgroup ids, so a grid past the per-dimension limit is folded. */
  readonly logicalGrid: boolean;
}

/** Where one shard of a tensor lies: arena, byte offset, elements. */
export interface ShardData {
  readonly arena: number;
  readonly offset: number;
  readonly elems: number;
}

/** An input, output or parameter: its type and its shards. */
export interface LeafData {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** How the device stores it (bool as u32, bf16 as f32, ...). */
  readonly elem: ElemType;
  readonly shards: readonly ShardData[];
}

/** One binding of a launch: a byte range of an arena, and which input shard it is (if any). */
export interface BindingData {
  readonly arena: number;
  readonly offset: number;
  readonly size: number;
  /** [input index, shard]: an input given as a kept device tensor replaces this range. */
  readonly input?: readonly [number, number];
}

export interface LaunchData {
  /** Index into the package's kernel table. */
  readonly kernel: number;
  readonly label: string;
  /** Logical workgroup counts. */
  readonly grid: readonly number[];
  readonly params: Readonly<Record<string, number>>;
  readonly bindings: readonly BindingData[];
}

export interface ExecutableData {
  readonly name: string;
  /** Bytes of each arena (one GPU buffer each). */
  readonly arenas: readonly number[];
  readonly inputs: readonly LeafData[];
  readonly outputs: readonly LeafData[];
  readonly params: readonly LeafData[];
  readonly launches: readonly LaunchData[];
}
