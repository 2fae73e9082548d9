// The CUDA driver addon (backends/cuda/addon/cudrv.cc) as typed functions.
//
// The addon is built by scripts/build-addon.sh (`make addon`; `make test` builds it too) into
// .cache/cuda-addon/cudrv.node, or SHOWO_CUDA_ADDON names another build. It opens libcuda only in
// init(), so loading it always works; without a driver init() throws
// "no CUDA driver found (libcuda.so.1: …)" and every other call "CUDA not initialized".
//
// Handles (allocations, modules, functions, events) are small integers the addon checks; device
// memory is addressed as (allocation, byte offset) and bounds-checked there.

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** What init() reports about the device. */
export interface CudaDeviceInfo {
  readonly name: string;
  readonly ordinal: number;
  /** Devices the driver sees. */
  readonly deviceCount: number;
  /** The driver's CUDA version as 1000·major + 10·minor (12040 is 12.4). */
  readonly driverVersion: number;
  /** 10·major + minor: 90 for sm_90 (H100), 80 for sm_80 (A100). */
  readonly computeCapability: number;
  readonly multiprocessors: number;
  readonly warpSize: number;
  readonly maxThreadsPerBlock: number;
  readonly maxBlockDim: readonly [number, number, number];
  readonly maxGridDim: readonly [number, number, number];
  /** Shared memory per block without opting in (static `__shared__` arrays are limited to this). */
  readonly sharedMemPerBlock: number;
  /** Shared memory per block with the opt-in (dynamic shared memory only). */
  readonly sharedMemPerBlockOptin: number;
  readonly totalConstMem: number;
  readonly totalMem: number;
}

export interface CudaFunctionAttributes {
  readonly numRegs: number;
  /** Static shared memory of the kernel. */
  readonly sharedBytes: number;
  readonly constBytes: number;
  /** Local memory per thread (register spills and local arrays). */
  readonly localBytes: number;
  readonly maxThreadsPerBlock: number;
}

/** The addon's exports. Every call but init, initialized, shutdown, symbols and nvrtcCompile needs init() first. */
export interface CudaDriver {
  /** Version of the exported interface; a build whose abi differs is stale. */
  readonly abi: number;
  /** Opens libcuda (default "libcuda.so.1"), initializes device `ordinal` (default 0), makes its primary context current and creates the stream. */
  init(ordinal?: number, library?: string): CudaDeviceInfo;
  initialized(): boolean;
  /** Frees everything, releases the context; init() may be called again. */
  shutdown(): void;
  /** The driver symbols init() resolves. */
  symbols(): string[];
  memGetInfo(): { free: number; total: number };
  memAlloc(bytes: number): number;
  memFree(allocation: number): void;
  memcpyHtoD(allocation: number, offset: number, data: ArrayBufferView | ArrayBuffer): void;
  memcpyDtoH(allocation: number, offset: number, bytes: number): ArrayBuffer;
  memsetD8(allocation: number, offset: number, value: number, bytes: number): void;
  /** A cubin, fatbin or PTX image; JIT errors carry the JIT log. */
  moduleLoad(image: ArrayBufferView | ArrayBuffer): number;
  moduleUnload(module: number): void;
  moduleGetFunction(module: number, name: string): number;
  funcGetAttributes(fn: number): CudaFunctionAttributes;
  /**
   * Launches on the stream. `pointers` holds (allocation, offset) pairs, one per pointer argument
   * in order; `params`, when given, is the bytes of the by-value struct argument after them.
   */
  launch(fn: number, gridX: number, gridY: number, gridZ: number, blockX: number, blockY: number, blockZ: number,
    sharedBytes: number, pointers: Float64Array, params?: ArrayBufferView | null): void;
  synchronize(): void;
  /** Waits for the stream on a worker thread. */
  synchronizeAsync(): Promise<void>;
  eventCreate(): number;
  eventRecord(event: number): void;
  eventSynchronize(event: number): void;
  eventElapsedTime(start: number, end: number): number;
  eventDestroy(event: number): void;
  /**
   * Compiles CUDA C++ with the NVRTC library at `library` on a worker thread (no driver needed).
   * `cubin` is there for an sm_XY architecture option, `ptx` for compute_XY. A compile error
   * rejects with NVRTC's log in the message and in `log`, and `code` "NVRTC_ERROR_COMPILATION".
   */
  nvrtcCompile(library: string, source: string, name: string, options: readonly string[]): Promise<NvrtcOutput>;
}

export interface NvrtcOutput {
  readonly cubin: ArrayBuffer | null;
  readonly ptx: ArrayBuffer | null;
  readonly log: string;
  /** NVRTC's version, `13.0`. */
  readonly version: string;
}

/** The interface version this file expects (cudrv.cc's ABI_VERSION). */
export const ADDON_ABI = 2;

/** Where the addon is loaded from: $SHOWO_CUDA_ADDON, else the build script's output. */
export function addonPath(): string {
  const env = process.env["SHOWO_CUDA_ADDON"];
  if (env) return env;
  return fileURLToPath(new URL("../../.cache/cuda-addon/cudrv.node", import.meta.url));
}

/** Errors of the addon that mean "no usable CUDA here" (no driver, no device, not built). */
export class CudaUnavailableError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = "CudaUnavailableError";
  }
}

let loaded: CudaDriver | null = null;

/** The addon, loaded once. Throws CudaUnavailableError when it is not built or stale. */
export function loadAddon(): CudaDriver {
  if (loaded) return loaded;
  const path = addonPath();
  if (!existsSync(path)) {
    throw new CudaUnavailableError(`the CUDA driver addon is not built (${path} is missing): run 'make addon' (scripts/build-addon.sh)`);
  }
  let mod: CudaDriver;
  try {
    mod = createRequire(import.meta.url)(path) as CudaDriver;
  } catch (e) {
    throw new CudaUnavailableError(`the CUDA driver addon ${path} does not load: ${(e as Error).message}; rebuild it with 'make addon'`, { cause: e });
  }
  if (mod.abi !== ADDON_ABI) {
    throw new CudaUnavailableError(`the CUDA driver addon ${path} is stale (interface ${String(mod.abi)}, expected ${ADDON_ABI}): rebuild it with 'make addon'`);
  }
  loaded = mod;
  return mod;
}

/** The `code` (CUDA_ERROR_* name) of an error the addon threw for a failed driver call, else null. */
export function cudaErrorCode(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === "string" && code.startsWith("CUDA_ERROR_") ? code : null;
}
