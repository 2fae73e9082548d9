// A CUDA device for Kernel IR kernels, with the same interface as the WGSL one (runtime/device.ts):
// compile (print → a cubin for the device's sm_XY: nvcc, cached on disk, or NVRTC where there is
// no nvcc), allocate, upload, download, and record a run's launches onto one stream, synchronized
// once.
//
// Compiler: nvcc when found (backends/cuda/nvcc.ts; it also reports registers and spills), else
// NVRTC when its library is found (backends/cuda/nvrtc.ts; the addon calls it). SHOWO_CUDA_COMPILER
// = nvcc | nvrtc picks one.
//
// The driver is reached through the addon (backends/cuda/addon.ts), which opens libcuda at run
// time: without a driver openCudaDevice() rejects with its "no CUDA driver found (…)" error.
//
// Launch ABI (backends/cuda/print.ts): the storage bindings as device pointers in binding order,
// then the parameter struct by value (uniformLayout) when the kernel has one; block =
// workgroupSize, grid = foldGrid(launch grid).workgroups, exactly as on WebGPU.
//
// Kernels mark their pointers __restrict__, so as on WebGPU a written binding may not overlap any
// other binding of the same launch; the recorder checks that.

import type { Kernel } from "../../compiler/kernels/kernel-ir.ts";
import { byteSize, foldGrid, kernelFeatures, kernelInterface, workgroupBytes } from "../../compiler/kernels/kernel-ir.ts";
import type { Access, KernelInterface } from "../../compiler/kernels/kernel-ir.ts";
import type { TargetCaps } from "../../compiler/kernels/target.ts";
import type { BufferRange, CompiledKernel, Device, DeviceBuffer, DispatchArgs, GpuErrorKind, Recorder } from "../../runtime/device.ts";
import { GpuError, packParams } from "../../runtime/device.ts";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { CudaDeviceInfo, CudaDriver, CudaFunctionAttributes, NvrtcOutput } from "./addon.ts";
import { CudaUnavailableError, cudaErrorCode, loadAddon } from "./addon.ts";
import { NvccError, compileCuda, findCuda, cudaUnavailableReason } from "./nvcc.ts";
import type { KernelResources } from "./nvcc.ts";
import { findNvrtc, nvrtcUnavailableReason } from "./nvrtc.ts";
import { DEFAULT_CUDA_CAPS, cudaModule, printCuda, printCudaKernel } from "./print.ts";

export interface CudaOpenOptions {
  /** Device ordinal (default 0). */
  readonly ordinal?: number;
  /** The driver library to open (default libcuda.so.1). */
  readonly library?: string;
  readonly label?: string;
  /** Where compiled cubins are cached (default nvcc.ts's .cache/cuda/). */
  readonly cacheDir?: string;
}

export interface CudaBuffer extends DeviceBuffer {
  /** The addon's allocation handle. */
  readonly alloc: number;
}

export interface CudaKernel extends CompiledKernel {
  /** The function's name in its module. */
  readonly name: string;
  readonly fn: number;
  readonly module: number;
  readonly blockSize: readonly [number, number, number];
  /** Byte alignment each binding's pointer needs (its element size: 16 for vec4<f32>). */
  readonly alignments: readonly number[];
  /** What the driver reports for the loaded function. */
  readonly attributes: CudaFunctionAttributes;
  /** ptxas' report (registers, spills, shared memory), when nvcc compiled it. */
  readonly resources: KernelResources | null;
}

export interface CudaDeviceStats {
  dispatches: number;
  submits: number;
  /** Distinct kernels loaded. */
  kernels: number;
  /** nvcc invocations (cache misses). */
  nvccCalls: number;
  /** NVRTC compilations. */
  nvrtcCalls: number;
  /** Milliseconds spent compiling (nvcc or NVRTC) and loading modules. */
  compileMs: number;
  /** Bytes currently allocated. */
  allocatedBytes: number;
}

// Driver errors after which the context is unusable (CUDA's "sticky" errors).
const STICKY = new Set([
  "CUDA_ERROR_ILLEGAL_ADDRESS", "CUDA_ERROR_LAUNCH_FAILED", "CUDA_ERROR_ILLEGAL_INSTRUCTION", "CUDA_ERROR_MISALIGNED_ADDRESS",
  "CUDA_ERROR_INVALID_ADDRESS_SPACE", "CUDA_ERROR_INVALID_PC", "CUDA_ERROR_HARDWARE_STACK_ERROR", "CUDA_ERROR_ASSERT",
  "CUDA_ERROR_LAUNCH_TIMEOUT", "CUDA_ERROR_ECC_UNCORRECTABLE", "CUDA_ERROR_CONTEXT_IS_DESTROYED",
]);

/** The GpuError kind of an error the addon threw. */
function kindOf(e: unknown): GpuErrorKind {
  const code = cudaErrorCode(e);
  if (code === null) return "usage"; // the addon's own checks: bad handles, ranges, arguments
  if (code === "CUDA_ERROR_OUT_OF_MEMORY") return "out-of-memory";
  if (STICKY.has(code)) return "lost";
  if (/INVALID_PTX|INVALID_IMAGE|NO_BINARY_FOR_GPU|UNSUPPORTED_PTX_VERSION|JIT_COMPILER/.test(code)) return "compile";
  return "internal";
}

// The addon's context is per thread and shared by every CudaDevice open in it; the last one to
// close shuts it down.
let openDevices = 0;

/** Opens device `ordinal`; rejects (GpuError "unavailable") when there is no driver, device or addon. */
export async function openCudaDevice(options: CudaOpenOptions = {}): Promise<CudaDevice> {
  let addon: CudaDriver;
  let info: CudaDeviceInfo;
  try {
    addon = loadAddon();
    info = addon.init(options.ordinal ?? 0, options.library);
  } catch (e) {
    if (e instanceof CudaUnavailableError || cudaErrorCode(e) === null || cudaErrorCode(e) === "CUDA_ERROR_NO_DEVICE") {
      throw new GpuError("unavailable", (e as Error).message);
    }
    throw new GpuError("unavailable", `CUDA device ${options.ordinal ?? 0} cannot be opened: ${(e as Error).message}`);
  }
  openDevices++;
  return new CudaDevice(addon, info, options);
}

/** The lowering capabilities of a device: DEFAULT_CUDA_CAPS, lowered to what the device has. */
export function cudaCaps(info: CudaDeviceInfo): TargetCaps {
  const d = DEFAULT_CUDA_CAPS;
  // Arenas are one allocation each; keep one well below the device's memory.
  let maxBinding = d.maxBindingBytes;
  while (maxBinding > 2 ** 24 && maxBinding > info.totalMem / 4) maxBinding /= 2;
  return Object.freeze({
    target: "cuda",
    maxBindingBytes: maxBinding,
    maxStorageBindings: d.maxStorageBindings,
    maxWorkgroupStorageBytes: Math.min(d.maxWorkgroupStorageBytes, info.sharedMemPerBlock),
    maxInvocationsPerWorkgroup: Math.min(d.maxInvocationsPerWorkgroup, info.maxThreadsPerBlock),
    maxWorkgroupsPerDimension: Math.min(d.maxWorkgroupsPerDimension, ...info.maxGridDim),
    f16: d.f16 && info.computeCapability >= 53,
    subgroups: d.subgroups && info.warpSize === 32,
    minSubgroupSize: info.warpSize,
  });
}

/** The compiler kernels go through: nvcc when found, else NVRTC; SHOWO_CUDA_COMPILER picks one. */
export function pickCompiler(): { readonly kind: "nvcc" } | { readonly kind: "nvrtc"; readonly library: string } {
  const want = process.env["SHOWO_CUDA_COMPILER"];
  if (want !== undefined && want !== "nvcc" && want !== "nvrtc") throw new Error(`SHOWO_CUDA_COMPILER is '${want}'; expected 'nvcc' or 'nvrtc'`);
  if (want !== "nvrtc" && findCuda()) return { kind: "nvcc" };
  const library = want !== "nvcc" ? findNvrtc() : null;
  if (library) return { kind: "nvrtc", library };
  const reasons = [want !== "nvrtc" ? `nvcc: ${cudaUnavailableReason()}` : "", want !== "nvcc" ? `NVRTC: ${nvrtcUnavailableReason()}` : ""];
  throw new GpuError("unavailable", `no CUDA compiler (${reasons.filter(Boolean).join("; ")})`);
}

/** NVRTC's options for a cubin for `arch` (`sm_90`). */
export function nvrtcOptions(arch: string, library: string): string[] {
  return [`--gpu-architecture=${arch}`, "-std=c++17", ...nvrtcIncludeDirs(library).map((d) => `-I${d}`)];
}

/** Folders NVRTC needs for the headers kernels include (cuda_fp16.h): the toolkit's, or beside the library (pip wheels). */
export function nvrtcIncludeDirs(library: string): string[] {
  const dirs = new Set<string>();
  const tk = findCuda();
  if (tk) dirs.add(join(tk.home, "include"));
  const home = process.env["CUDA_HOME"];
  if (home) dirs.add(join(home, "include"));
  dirs.add(join(dirname(library), "..", "include"));
  return [...dirs].filter((d) => existsSync(join(d, "cuda_fp16.h")));
}

/** `sm_90` for compute capability 9.0. */
export function archOf(info: CudaDeviceInfo): string {
  return `sm_${info.computeCapability}`;
}

/** What keeps a kernel from running on this device (empty when it fits). */
export function cudaKernelProblems(k: Kernel, info: CudaDeviceInfo, caps: TargetCaps): string[] {
  const problems: string[] = [];
  const [x, y, z] = k.workgroupSize;
  if (x * y * z > info.maxThreadsPerBlock) problems.push(`a block of ${x}x${y}x${z} = ${x * y * z} threads exceeds the device's ${info.maxThreadsPerBlock}`);
  const [mx, my, mz] = info.maxBlockDim;
  if (x > mx || y > my || z > mz) problems.push(`block ${x}x${y}x${z} exceeds the maximum block dimensions ${mx}x${my}x${mz}`);
  const shared = workgroupBytes(k);
  if (shared > caps.maxWorkgroupStorageBytes) problems.push(`${shared} bytes of shared memory exceed the ${caps.maxWorkgroupStorageBytes} a block may declare`);
  const f = kernelFeatures(k);
  if (f.f16 && !caps.f16) problems.push(`it uses f16, which compute capability ${info.computeCapability} lacks`);
  if (f.subgroups && !caps.subgroups) problems.push(`it uses subgroup operations, but the warp size is ${info.warpSize}`);
  return problems;
}

let nextBufferId = 1;
let nextKernelId = 1;

interface Resolved {
  readonly buffer: CudaBuffer;
  readonly offset: number;
  readonly size: number;
  readonly access: Access;
  readonly name: string;
}

/** One validated launch. */
interface CudaLaunch {
  readonly kernel: CudaKernel;
  readonly grid: readonly [number, number, number];
  /** (allocation, offset) pairs, one per binding. */
  readonly pointers: Float64Array;
  readonly params: Uint8Array | null;
}

export class CudaDevice implements Device {
  readonly info: CudaDeviceInfo;
  readonly caps: TargetCaps;
  /** The architecture kernels are compiled for (`sm_90`). */
  readonly arch: string;
  readonly description: string;
  readonly stats: CudaDeviceStats = { dispatches: 0, submits: 0, kernels: 0, nvccCalls: 0, nvrtcCalls: 0, compileMs: 0, allocatedBytes: 0 };
  readonly #addon: CudaDriver;
  readonly #label: string;
  readonly #cacheDir: string | undefined;
  // Compiled kernels by their printed text (identical kernels share one function).
  readonly #kernels = new Map<string, Promise<CudaKernel>>();
  readonly #buffers = new Set<CudaBuffer>();
  readonly #modules = new Set<number>();
  #lostReason: string | null = null;
  #disposed = false;

  constructor(addon: CudaDriver, info: CudaDeviceInfo, options: CudaOpenOptions = {}) {
    this.#addon = addon;
    this.info = info;
    this.caps = cudaCaps(info);
    this.arch = archOf(info);
    this.#label = options.label ?? "showo";
    this.#cacheDir = options.cacheDir;
    const v = info.driverVersion;
    this.description = `${info.name} (${this.arch}, ${info.multiprocessors} SMs, ${(info.totalMem / 2 ** 30).toFixed(1)} GiB; CUDA driver ${Math.floor(v / 1000)}.${(v % 1000) / 10})`;
  }

  get lost(): boolean {
    return this.#lostReason !== null;
  }

  #check(): void {
    if (this.#disposed) throw new GpuError("disposed", `CUDA device '${this.#label}' was disposed`);
    if (this.#lostReason !== null) throw new GpuError("lost", `device lost: ${this.#lostReason}`);
  }

  /** Calls the addon; its errors become GpuErrors saying what was being done. */
  #call<T>(what: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw this.#error(what, e);
    }
  }

  #error(what: string, e: unknown): GpuError {
    if (e instanceof GpuError) return e;
    const kind = kindOf(e);
    const message = `${what}: ${(e as Error).message}`;
    if (kind === "lost") this.#lostReason = message;
    return new GpuError(kind, message);
  }

  // ---------------------------------------------------------------------------------------------
  // Kernels

  /** The kernel compiled for this device, once per distinct printed text. */
  async compile(kernel: Kernel): Promise<CudaKernel> {
    const [k] = await this.compileMany([kernel]);
    return k!;
  }

  /**
   * Kernels not compiled yet go into one translation unit (print.ts's cudaModule) and one nvcc
   * call; the result is in the order given.
   */
  async compileMany(kernels: readonly Kernel[]): Promise<CudaKernel[]> {
    this.#check();
    const texts = kernels.map((k) => {
      const problems = cudaKernelProblems(k, this.info, this.caps);
      if (problems.length > 0) throw new GpuError("usage", `kernel '${k.name}' does not fit ${this.info.name}: ${problems.join("; ")}`);
      return printCudaKernel(k);
    });
    const missing: Kernel[] = [], missingTexts: string[] = [];
    texts.forEach((t, i) => {
      if (!this.#kernels.has(t) && !missingTexts.includes(t)) {
        missing.push(kernels[i]!);
        missingTexts.push(t);
      }
    });
    if (missing.length > 0) {
      const batch = this.#compileBatch(missing, missingTexts);
      missingTexts.forEach((t, i) => {
        const p = batch.then((ks) => ks[i]!);
        this.#kernels.set(t, p);
        p.catch(() => this.#kernels.delete(t)); // a failed compile may be retried
      });
    }
    return Promise.all(texts.map((t) => this.#kernels.get(t)!));
  }

  async #compileBatch(kernels: readonly Kernel[], texts: readonly string[]): Promise<CudaKernel[]> {
    const t0 = performance.now();
    // One kernel prints on its own, so its unit is the same text printCuda gives; several share a unit.
    const unit = kernels.length === 1
      ? { source: printCuda(kernels[0]!), names: [kernels[0]!.name] }
      : cudaModule(kernels);
    const what = kernels.length === 1 ? `kernel '${kernels[0]!.name}'` : `${kernels.length} kernels (${kernels.map((k) => k.name).join(", ")})`;
    const compiler = pickCompiler();
    let cubin: Uint8Array, origin: string, resources: ReadonlyMap<string, KernelResources> = new Map();
    if (compiler.kind === "nvcc") {
      try {
        const result = await compileCuda(unit.source, { arch: this.arch, ...(this.#cacheDir ? { cacheDir: this.#cacheDir } : {}) });
        if (!result.cached) this.stats.nvccCalls++;
        ({ cubin } = result);
        origin = result.path;
        resources = result.kernels;
      } catch (e) {
        if (e instanceof NvccError) throw new GpuError("compile", `CUDA compile error in ${what}: ${e.message}`);
        throw e;
      }
    } else {
      let out: NvrtcOutput;
      try {
        out = await this.#addon.nvrtcCompile(compiler.library, unit.source, "kernels.cu", nvrtcOptions(this.arch, compiler.library));
      } catch (e) {
        throw new GpuError((e as { code?: unknown }).code === "NVRTC_ERROR_COMPILATION" ? "compile" : "unavailable",
          `NVRTC (${compiler.library}) could not compile ${what} for ${this.arch}: ${(e as Error).message}`);
      }
      this.stats.nvrtcCalls++;
      if (!out.cubin) throw new GpuError("compile", `NVRTC ${out.version} gave no cubin for ${this.arch} (${what})`);
      cubin = new Uint8Array(out.cubin);
      origin = `NVRTC ${out.version}`;
    }
    this.#check();
    const module = this.#call(`loading the module of ${what} (${origin})`, () => this.#addon.moduleLoad(cubin));
    this.#modules.add(module);
    const out = kernels.map((k, i): CudaKernel => {
      const name = unit.names[i]!;
      const fn = this.#call(`kernel '${k.name}'`, () => this.#addon.moduleGetFunction(module, name));
      const attributes = this.#call(`kernel '${k.name}'`, () => this.#addon.funcGetAttributes(fn));
      const [x, y, z] = k.workgroupSize;
      if (attributes.maxThreadsPerBlock < x * y * z) {
        throw new GpuError("compile", `kernel '${k.name}' compiled for at most ${attributes.maxThreadsPerBlock} threads per block ` +
          `(${attributes.numRegs} registers each), but its block is ${x}x${y}x${z}`);
      }
      const iface: KernelInterface = kernelInterface(k);
      return {
        id: nextKernelId++, iface, source: texts[i]!, name, fn, module, blockSize: [x, y, z],
        alignments: k.bindings.map((b) => byteSize(b.type)), attributes, resources: resources.get(name) ?? null,
      };
    });
    this.stats.kernels += out.length;
    this.stats.compileMs += performance.now() - t0;
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Buffers

  async createBuffer(name: string, bytes: number): Promise<CudaBuffer> {
    this.#check();
    if (!Number.isInteger(bytes) || bytes <= 0) throw new GpuError("usage", `buffer '${name}': size must be a positive integer, got ${bytes}`);
    // Rounded up to 16 so a vec4 load of the last element stays inside the allocation.
    const alloc = this.#call(`allocating ${bytes} bytes for buffer '${name}'`, () => this.#addon.memAlloc(alignUp(bytes, 16)));
    const buf: CudaBuffer = { id: nextBufferId++, name, size: bytes, alloc };
    this.#buffers.add(buf);
    this.stats.allocatedBytes += alignUp(bytes, 16);
    return buf;
  }

  #own(buffer: DeviceBuffer, where: string): CudaBuffer {
    const b = buffer as CudaBuffer;
    if (!this.#buffers.has(b)) throw new GpuError("usage", `${where}: buffer '${buffer.name}' was freed or belongs to another device`);
    return b;
  }

  /** Writes bytes at `offset` (a multiple of 4); ordered before later launches. */
  upload(buffer: DeviceBuffer, data: ArrayBufferView | ArrayBuffer, offset = 0): void {
    this.#check();
    const where = `upload to '${buffer.name}'`;
    const b = this.#own(buffer, where);
    const len = data.byteLength;
    if (!Number.isInteger(offset) || offset < 0 || offset % 4 !== 0) throw new GpuError("usage", `${where}: offset ${offset} is not a multiple of 4`);
    if (offset + len > b.size) throw new GpuError("usage", `${where}: ${len} bytes at offset ${offset} overrun its ${b.size} bytes`);
    if (len === 0) return;
    this.#call(where, () => this.#addon.memcpyHtoD(b.alloc, offset, data));
  }

  /** Reads `bytes` from `offset` (a multiple of 4) after all launched work. */
  async download(buffer: DeviceBuffer, offset = 0, bytes = buffer.size - offset): Promise<ArrayBuffer> {
    this.#check();
    const where = `download from '${buffer.name}'`;
    const b = this.#own(buffer, where);
    if (!Number.isInteger(offset) || offset < 0 || offset % 4 !== 0) throw new GpuError("usage", `${where}: offset ${offset} is not a multiple of 4`);
    if (!Number.isInteger(bytes) || bytes <= 0 || offset + bytes > b.size) {
      throw new GpuError("usage", `${where}: ${bytes} bytes at offset ${offset} is outside its ${b.size} bytes`);
    }
    // The copy runs after the stream's earlier work; wait for it off the main thread first.
    await this.sync();
    return this.#call(where, () => this.#addon.memcpyDtoH(b.alloc, offset, bytes));
  }

  free(buffer: DeviceBuffer): void {
    const b = buffer as CudaBuffer;
    if (!this.#buffers.delete(b)) return;
    this.stats.allocatedBytes -= alignUp(b.size, 16);
    if (this.#disposed || this.#lostReason !== null) return;
    this.#call(`freeing buffer '${b.name}'`, () => this.#addon.memFree(b.alloc));
  }

  // ---------------------------------------------------------------------------------------------
  // Running

  /** A recorder for one run: its launches go onto the stream at submit(), which waits once. */
  recorder(): CudaRecorder {
    return new CudaRecorder(this);
  }

  /** Compiles and runs one kernel; for tests and one-off work. */
  async run(kernel: Kernel | CudaKernel, args: DispatchArgs): Promise<void> {
    const compiled = "fn" in kernel ? kernel : await this.compile(kernel);
    await this.recorder().dispatch(compiled, args).submit();
  }

  /** Resolves when all launched work has finished; errors of earlier launches surface here. */
  async sync(): Promise<void> {
    this.#check();
    try {
      await this.#addon.synchronizeAsync();
    } catch (e) {
      throw this.#error("waiting for the GPU", e);
    }
  }

  /** @internal Validates one launch and packs its arguments (used by CudaRecorder). */
  prepare(kernel: CompiledKernel, args: DispatchArgs): CudaLaunch {
    this.#check();
    const k = kernel as CudaKernel;
    if (typeof k.fn !== "number") throw new GpuError("usage", `kernel '${kernel.iface.name}' was not compiled by a CUDA device`);
    const iface = k.iface;
    const where = `launch of kernel '${iface.name}'`;
    let dispatch;
    try {
      dispatch = foldGrid(args.grid, iface.logicalGrid, this.caps.maxWorkgroupsPerDimension);
    } catch (e) {
      throw new GpuError("usage", `${where}: ${(e as Error).message}`);
    }
    const known = new Set(iface.bindings.map((b) => b.name));
    for (const name of Object.keys(args.bindings)) if (!known.has(name)) throw new GpuError("usage", `${where}: no binding named '${name}'`);
    const ranges = iface.bindings.map((b, i) => {
      const arg = args.bindings[b.name];
      if (!arg) throw new GpuError("usage", `${where}: binding '${b.name}' is missing`);
      return this.#resolve(arg, b.name, b.access, k.alignments[i]!, where);
    });
    checkAliasing(ranges, where);
    const pointers = new Float64Array(2 * ranges.length);
    ranges.forEach((r, i) => {
      pointers[2 * i] = r.buffer.alloc;
      pointers[2 * i + 1] = r.offset;
    });
    let params: Uint8Array | null = null;
    if (iface.uniform) params = packParams(iface.uniform, args.params ?? {}, dispatch.gridX, dispatch.foldX, where);
    else if (args.params && Object.keys(args.params).length > 0) {
      throw new GpuError("usage", `${where}: the kernel has no parameters, got ${Object.keys(args.params).join(", ")}`);
    }
    return { kernel: k, grid: dispatch.workgroups, pointers, params };
  }

  #resolve(arg: DeviceBuffer | BufferRange, name: string, access: Access, align: number, where: string): Resolved {
    const buffer = this.#own("buffer" in arg ? arg.buffer : arg, `${where}: binding '${name}'`);
    const offset = "buffer" in arg ? arg.offset ?? 0 : 0;
    const size = "buffer" in arg && arg.size !== undefined ? arg.size : buffer.size - offset;
    const what = `${where}: binding '${name}' (${size} bytes at offset ${offset} of '${buffer.name}')`;
    if (!Number.isInteger(offset) || offset < 0 || offset % align !== 0) throw new GpuError("usage", `${what}: offset is not a multiple of ${align}`);
    if (!Number.isInteger(size) || size <= 0) throw new GpuError("usage", `${what}: size must be positive`);
    if (offset + size > alignUp(buffer.size, 4)) throw new GpuError("usage", `${what}: the range ends past the buffer`);
    return { buffer, offset, size, access, name };
  }

  /** @internal Launches recorded work and waits for it (used by CudaRecorder). */
  async submitRecorded(items: readonly CudaLaunch[], label: string, timed: boolean): Promise<number> {
    this.#check();
    if (items.length === 0) return 0;
    const a = this.#addon;
    const events = timed ? [this.#call("timing", () => a.eventCreate()), this.#call("timing", () => a.eventCreate())] as const : null;
    try {
      if (events) this.#call("timing", () => a.eventRecord(events[0]));
      items.forEach((it, i) => {
        const [gx, gy, gz] = it.grid;
        const [bx, by, bz] = it.kernel.blockSize;
        this.#call(`run '${label}', launch ${i} of ${items.length} (kernel '${it.kernel.iface.name}')`,
          () => a.launch(it.kernel.fn, gx, gy, gz, bx, by, bz, 0, it.pointers, it.params));
      });
      if (events) this.#call("timing", () => a.eventRecord(events[1]));
      const kernels = [...new Set(items.map((it) => it.kernel.iface.name))].join(", ");
      try {
        await a.synchronizeAsync();
      } catch (e) {
        throw this.#error(`run '${label}' of ${items.length} launch${items.length > 1 ? "es" : ""} (kernels: ${kernels})`, e);
      }
      this.stats.submits++;
      this.stats.dispatches += items.length;
      return events ? this.#call("timing", () => a.eventElapsedTime(events[0], events[1])) : 0;
    } finally {
      if (events && this.#lostReason === null) for (const e of events) a.eventDestroy(e);
    }
  }

  /** Bytes free and total on the device. */
  memory(): { free: number; total: number } {
    this.#check();
    return this.#call("cuMemGetInfo", () => this.#addon.memGetInfo());
  }

  /** Frees this device's buffers and modules; the last open device releases the context. */
  dispose(): void {
    if (this.#disposed) return;
    const healthy = this.#lostReason === null;
    this.#disposed = true;
    const a = this.#addon;
    if (healthy) {
      try {
        a.synchronize();
        for (const b of this.#buffers) a.memFree(b.alloc);
        for (const m of this.#modules) a.moduleUnload(m);
      } catch {
        // best effort: the context is released below anyway
      }
    }
    this.#buffers.clear();
    this.#modules.clear();
    this.#kernels.clear();
    this.stats.allocatedBytes = 0;
    if (--openDevices === 0) a.shutdown();
  }
}

/**
 * Records the launches of one run; submit() puts them all on the device's stream and waits once
 * (off the main thread). The recorder is empty again afterwards.
 */
export class CudaRecorder implements Recorder {
  readonly #device: CudaDevice;
  readonly #items: CudaLaunch[] = [];

  constructor(device: CudaDevice) {
    this.#device = device;
  }

  get count(): number {
    return this.#items.length;
  }

  dispatch(kernel: CompiledKernel, args: DispatchArgs): this {
    this.#items.push(this.#device.prepare(kernel, args));
    return this;
  }

  async submit(label = "run"): Promise<void> {
    await this.#device.submitRecorded(this.#items.splice(0), label, false);
  }

  /** Like submit(); resolves to the GPU milliseconds between the first launch and the end of the last (CUDA events). */
  async submitTimed(label = "run"): Promise<number> {
    return this.#device.submitRecorded(this.#items.splice(0), label, true);
  }
}

// A written binding may not overlap any other binding of the launch (the kernels' pointers are __restrict__).
function checkAliasing(ranges: readonly Resolved[], where: string): void {
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!, b = ranges[j]!;
      if (a.buffer !== b.buffer || (a.access === "read" && b.access === "read")) continue;
      if (a.offset < b.offset + b.size && b.offset < a.offset + a.size) {
        throw new GpuError("usage", `${where}: bindings '${a.name}' and '${b.name}' overlap in buffer '${a.buffer.name}' and one is written`);
      }
    }
  }
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
