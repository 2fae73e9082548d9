// The device interface every backend implements, so executables run on any of them: compile a
// Kernel IR kernel, allocate buffers, upload and download bytes, record a run's launches and
// submit them at once. backends/wgsl/device.ts (WgslDevice, Dawn) and backends/cuda/device.ts
// (CudaDevice, the driver API through the addon) both satisfy it.
//
// Errors are GpuError with a kind the caller can act on ("out-of-memory", "compile", ...): the
// class is shared by all targets.

import type { Grid, Kernel, KernelInterface, UniformLayout } from "../compiler/kernels/kernel-ir.ts";
import type { TargetCaps } from "../compiler/kernels/target.ts";

/** What kind of failure a GpuError reports. */
export type GpuErrorKind = "compile" | "out-of-memory" | "validation" | "internal" | "lost" | "disposed" | "unavailable" | "usage";

export class GpuError extends Error {
  readonly kind: GpuErrorKind;
  constructor(kind: GpuErrorKind, message: string) {
    super(message);
    this.name = "GpuError";
    this.kind = kind;
  }
}

export type Target = TargetCaps["target"];

/** Device memory: `size` bytes requested (a device may round its allocation up). */
export interface DeviceBuffer {
  readonly id: number;
  readonly name: string;
  readonly size: number;
}

/** A byte range of a buffer to bind; the default is the whole buffer. */
export interface BufferRange<B extends DeviceBuffer = DeviceBuffer> {
  readonly buffer: B;
  readonly offset?: number;
  readonly size?: number;
}

/** A kernel ready to launch: its interface and the source it was compiled from. */
export interface CompiledKernel {
  readonly id: number;
  readonly iface: KernelInterface;
  readonly source: string;
}

export interface DispatchArgs<B extends DeviceBuffer = DeviceBuffer> {
  /** Logical workgroup counts (folded by the device when a dimension is too large). */
  readonly grid: Grid;
  /** Storage bindings by name. */
  readonly bindings: Readonly<Record<string, B | BufferRange<B>>>;
  /** Scalar parameters by name. */
  readonly params?: Readonly<Record<string, number>>;
}

/** The launches of one run, recorded, then submitted together (one command buffer or stream). */
export interface Recorder {
  readonly count: number;
  /** Validates one launch and records it. */
  dispatch(kernel: CompiledKernel, args: DispatchArgs): this;
  /** Submits every recorded launch and resolves when the device has accepted them (WGSL) or finished them (CUDA); the recorder is empty again afterwards. */
  submit(label?: string): Promise<void>;
}

export interface Device {
  /** One line naming the device, for logs and reports. */
  readonly description: string;
  /** The kernel compiled for this device (cached by source text). */
  compile(kernel: Kernel): Promise<CompiledKernel>;
  /** Many kernels at once, in order (CUDA: one translation unit, one compiler call); optional. */
  compileMany?(kernels: readonly Kernel[]): Promise<CompiledKernel[]>;
  createBuffer(name: string, bytes: number): Promise<DeviceBuffer>;
  /** Writes bytes at `offset` (a multiple of 4), ordered before any later submit. */
  upload(buffer: DeviceBuffer, data: ArrayBufferView | ArrayBuffer, offset?: number): void;
  /** Reads `bytes` from `offset` after all submitted work. */
  download(buffer: DeviceBuffer, offset?: number, bytes?: number): Promise<ArrayBuffer>;
  free(buffer: DeviceBuffer): void;
  recorder(): Recorder;
  /** Resolves when all submitted work has finished. */
  sync(): Promise<void>;
  /** Frees the device; later calls throw. */
  dispose(): void;
}

// ---------------------------------------------------------------------------------------------
// Scalar parameters

/**
 * The bytes of a kernel's parameter struct (uniformLayout: 4-byte fields at their offsets; the
 * grid fields grid_x and grid_fold_x come from the dispatch, never from the caller). Every field
 * must be given, in range for its type; unknown names are errors. `where` names the launch.
 */
export function packParams(layout: UniformLayout, params: Readonly<Record<string, number>>, gridX: number, foldX: number, where: string): Uint8Array {
  const bytes = new Uint8Array(layout.size);
  const view = new DataView(bytes.buffer);
  const names = new Set(layout.fields.map((f) => f.name));
  for (const k of Object.keys(params)) {
    if (!names.has(k) || k === "grid_x" || k === "grid_fold_x") throw new GpuError("usage", `${where}: no parameter named '${k}'`);
  }
  for (const f of layout.fields) {
    const v = f.name === "grid_x" ? gridX : f.name === "grid_fold_x" ? foldX : params[f.name];
    if (v === undefined) throw new GpuError("usage", `${where}: parameter '${f.name}' is missing`);
    const bad = (why: string) => new GpuError("usage", `${where}: parameter '${f.name}' = ${v} ${why}`);
    if (f.type === "f32") {
      if (!Number.isFinite(v)) throw bad("is not finite");
      view.setFloat32(f.offset, v, true);
    } else if (f.type === "u32") {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw bad("is not a u32");
      view.setUint32(f.offset, v, true);
    } else {
      if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw bad("is not an i32");
      view.setInt32(f.offset, v, true);
    }
  }
  return bytes;
}
