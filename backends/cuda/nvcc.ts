// The CUDA compiler driver: find nvcc, compile CUDA sources to cubins, cache them, and report
// each kernel's resource use.
//
// - nvcc is found on PATH (or as $CUDA_HOME/bin/nvcc when CUDA_HOME is set); the toolkit root is
//   what nvcc itself reports (`nvcc --dryrun` prints `#$ TOP=<root>/bin/..`), never a fixed path.
// - compileCuda(source, {arch}) runs `nvcc -cubin -arch=<arch> -Xptxas -v`; the cubin and ptxas'
//   report are cached in .cache/cuda/<sha256>.{cubin,log} keyed by the nvcc version, the arch,
//   the flags and the source, so a source compiles once per machine. Batch a model's kernels into
//   one translation unit (cudaModule in print.ts; compileKernels does both): one nvcc call per
//   architecture.
// - parsePtxasReport turns ptxas' `-v` lines into per-kernel numbers: registers, spill stores and
//   loads, stack frame (local memory), shared memory, constant memory, barriers.

import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Kernel } from "../../compiler/kernels/kernel-ir.ts";
import type { CudaModule } from "./print.ts";
import { cudaModule } from "./print.ts";

export interface CudaToolkit {
  /** The nvcc executable. */
  readonly nvcc: string;
  /** The toolkit root (include/, bin/ ...), as nvcc reports it. */
  readonly home: string;
  /** `13.0.88` */
  readonly version: string;
}

let found: { toolkit: CudaToolkit | null; reason: string } | undefined;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The nvcc on PATH, else $CUDA_HOME/bin/nvcc; null when there is neither. */
function locateNvcc(): string | null {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, "nvcc"))) return join(dir, "nvcc");
  }
  const home = process.env["CUDA_HOME"];
  if (home && isExecutable(join(home, "bin", "nvcc"))) return join(home, "bin", "nvcc");
  return null;
}

function probe(): { toolkit: CudaToolkit | null; reason: string } {
  const nvcc = locateNvcc();
  if (!nvcc) return { toolkit: null, reason: "nvcc not found on PATH (and CUDA_HOME is not set to a toolkit)" };
  const version = spawnSync(nvcc, ["--version"], { encoding: "utf8" });
  if (version.error || version.status !== 0) return { toolkit: null, reason: `${nvcc} --version failed: ${version.error?.message ?? version.stderr.trim()}` };
  const v = /V(\d+\.\d+\.\d+)/.exec(version.stdout)?.[1] ?? /release (\d+\.\d+)/.exec(version.stdout)?.[1];
  if (!v) return { toolkit: null, reason: `${nvcc} --version printed no version: ${version.stdout.trim()}` };
  // The dry run prints nvcc's steps and environment on stderr, among them `#$ TOP=<root>/bin/..`.
  const dry = spawnSync(nvcc, ["--dryrun", "-c", "-x", "cu", "/dev/null", "-o", "/dev/null"], { encoding: "utf8" });
  return { toolkit: { nvcc, home: topOf(`${dry.stdout ?? ""}${dry.stderr ?? ""}`, nvcc), version: v }, reason: "" };
}

/** The toolkit root from the dry run's TOP line (else the folder above nvcc's bin/). */
function topOf(dryRun: string, nvcc: string): string {
  const top = /^#\$ TOP=(.*)$/m.exec(dryRun)?.[1]?.trim() ?? join(realpathSync(nvcc), "..", "..");
  try {
    return realpathSync(top);
  } catch {
    return top;
  }
}

/** The CUDA toolkit, or null when nvcc is not installed (see cudaUnavailableReason). Probed once. */
export function findCuda(): CudaToolkit | null {
  if (!found) found = probe();
  return found.toolkit;
}

/** Why findCuda() is null ("" when a toolkit was found). */
export function cudaUnavailableReason(): string {
  findCuda();
  return found!.reason;
}

/** The toolkit, or an Error that says why there is none. */
export function requireCuda(): CudaToolkit {
  const t = findCuda();
  if (!t) throw new Error(`CUDA toolkit not available: ${cudaUnavailableReason()}`);
  return t;
}

// ---------------------------------------------------------------------------------------------
// ptxas' resource report

export interface KernelResources {
  /** The kernel (entry function) name. */
  readonly name: string;
  /** The architecture it was compiled for (`sm_90`). */
  readonly arch: string;
  readonly registers: number;
  /** Bytes of registers spilled to local memory, stored and loaded. */
  readonly spillStores: number;
  readonly spillLoads: number;
  /** The per-thread stack frame: local memory (local arrays indexed at run time, and spills). */
  readonly stackBytes: number;
  /** Static shared memory per block. */
  readonly sharedBytes: number;
  /** Constant bank 0: the kernel's parameters (ptxas reports it on some architectures only). */
  readonly constantBytes: number;
  readonly barriers: number;
}

/**
 * Per-kernel numbers from `ptxas -v` output. A kernel's lines are
 *   ptxas info    : Compiling entry function 'NAME' for 'sm_90'
 *   ptxas info    : Function properties for NAME
 *       32 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
 *   ptxas info    : Used 32 registers, used 1 barriers, 2048 bytes smem, 388 bytes cmem[0]
 * (non-entry functions have "Function properties" lines too; only entries are reported).
 */
export function parsePtxasReport(log: string): Map<string, KernelResources> {
  const out = new Map<string, KernelResources>();
  type Mutable = { -readonly [K in keyof KernelResources]: KernelResources[K] };
  let entry: Mutable | null = null;
  let props: string | null = null;
  const num = (re: RegExp, line: string): number => Number(re.exec(line)?.[1] ?? 0);
  for (const line of log.split("\n")) {
    const compiling = /Compiling entry function '([^']+)' for '([^']+)'/.exec(line);
    if (compiling) {
      entry = { name: compiling[1]!, arch: compiling[2]!, registers: 0, spillStores: 0, spillLoads: 0, stackBytes: 0, sharedBytes: 0, constantBytes: 0, barriers: 0 };
      out.set(entry.name, entry);
      props = null;
      continue;
    }
    const fp = /Function properties for (\S+)/.exec(line);
    if (fp) {
      props = fp[1]!;
      continue;
    }
    if (/bytes stack frame/.test(line)) {
      if (entry && props === entry.name) {
        entry.stackBytes = num(/(\d+) bytes stack frame/, line);
        entry.spillStores = num(/(\d+) bytes spill stores/, line);
        entry.spillLoads = num(/(\d+) bytes spill loads/, line);
      }
      continue;
    }
    if (entry && /ptxas info\s*: Used \d+ registers/.test(line)) {
      entry.registers = num(/Used (\d+) registers/, line);
      entry.barriers = num(/used (\d+) barriers/, line);
      entry.sharedBytes = num(/(\d+) bytes smem/, line);
      entry.constantBytes = num(/(\d+) bytes cmem\[0\]/, line);
    }
  }
  return out;
}

/** `name sm_90: 32 registers, 0/0 bytes spilled, 0 bytes stack, 2048 bytes smem, 1 barrier` */
export function formatResources(r: KernelResources): string {
  return `${r.name} ${r.arch}: ${r.registers} registers, ${r.spillStores}/${r.spillLoads} bytes spilled (stores/loads), ` +
    `${r.stackBytes} bytes stack, ${r.sharedBytes} bytes smem, ${r.barriers} barrier${r.barriers === 1 ? "" : "s"}`;
}

// ---------------------------------------------------------------------------------------------
// Compiling

/** The project's cache of compiled kernels. */
export const DEFAULT_CACHE_DIR = fileURLToPath(new URL("../../.cache/cuda/", import.meta.url));

export interface NvccOptions {
  /** Target architecture: `sm_80`, `sm_90` ... */
  readonly arch: string;
  /** Extra nvcc flags (part of the cache key). */
  readonly flags?: readonly string[];
  /** Where cubins are cached (default .cache/cuda/ in the project). */
  readonly cacheDir?: string;
  /** Skip the cache (always run nvcc; the result is still stored). */
  readonly fresh?: boolean;
}

export interface NvccResult {
  readonly cubin: Uint8Array;
  /** The cached cubin's path. */
  readonly path: string;
  /** ptxas' `-v` report (and any nvcc warnings). */
  readonly log: string;
  readonly kernels: ReadonlyMap<string, KernelResources>;
  /** Whether the cubin came from the cache. */
  readonly cached: boolean;
  /** Milliseconds nvcc ran (0 from the cache). */
  readonly ms: number;
  /** The cache key: sha256 of the nvcc version, arch, flags and source. */
  readonly key: string;
}

/** nvcc rejected a source: the message holds its diagnostics with the source lines they name. */
export class NvccError extends Error {
  readonly log: string;
  constructor(message: string, log: string) {
    super(message);
    this.name = "NvccError";
    this.log = log;
  }
}

// Generated code names values it may not use (a builder's spare index), so "declared but never
// referenced" (#177) is not worth a warning; every other diagnostic stays.
const BASE_FLAGS = ["-std=c++17", "-diag-suppress=177", "-Xptxas", "-v"];

export function cacheKey(source: string, arch: string, flags: readonly string[], version: string): string {
  return createHash("sha256").update(JSON.stringify({ version, arch, flags: [...BASE_FLAGS, ...flags], source })).digest("hex");
}

/** Compile a CUDA source to a cubin for `arch` (cached; see the header). */
export async function compileCuda(source: string, opts: NvccOptions): Promise<NvccResult> {
  const tk = requireCuda();
  if (!/^sm_\d+[a-z]?$/.test(opts.arch)) throw new Error(`arch '${opts.arch}' is not an sm_XY architecture`);
  const flags = opts.flags ?? [];
  const dir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  const key = cacheKey(source, opts.arch, flags, tk.version);
  const cubinPath = join(dir, `${key}.cubin`), logPath = join(dir, `${key}.log`);
  if (!opts.fresh && existsSync(cubinPath) && existsSync(logPath)) {
    const log = readFileSync(logPath, "utf8");
    return { cubin: new Uint8Array(readFileSync(cubinPath)), path: cubinPath, log, kernels: parsePtxasReport(log), cached: true, ms: 0, key };
  }

  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, `tmp-${key.slice(0, 12)}-`));
  try {
    const src = join(work, "kernels.cu"), out = join(work, "kernels.cubin");
    writeFileSync(src, source);
    const t0 = performance.now();
    const { code, text } = await run(tk.nvcc, ["-cubin", `-arch=${opts.arch}`, ...BASE_FLAGS, ...flags, "-o", out, src], work);
    const ms = performance.now() - t0;
    if (code !== 0) throw new NvccError(`nvcc (${opts.arch}) failed:\n${diagnostics(text, source)}`, text);
    const log = text.split(work + "/").join("");
    const cubin = readFileSync(out);
    // Rename into place so concurrent compiles of one source never see a half-written file.
    writeFileSync(join(work, "log"), log);
    writeFileSync(join(dir, `${key}.cu`), source);
    renameSync(out, cubinPath);
    renameSync(join(work, "log"), logPath);
    return { cubin: new Uint8Array(cubin), path: cubinPath, log, kernels: parsePtxasReport(log), cached: false, ms, key };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Kernels (an executable's launches) as one translation unit, compiled for `opts.arch`. */
export async function compileKernels(kernels: readonly Kernel[], opts: NvccOptions): Promise<{ module: CudaModule; result: NvccResult }> {
  const module = cudaModule(kernels);
  return { module, result: await compileCuda(module.source, opts) };
}

function run(cmd: string, args: readonly string[], cwd: string): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 * 2 ** 20, encoding: "utf8" }, (err, stdout, stderr) => {
      const text = `${stdout}${stderr}`;
      if (err && typeof (err as { code?: unknown }).code !== "number") reject(err);
      else resolve({ code: err ? Number((err as { code?: number }).code) : 0, text });
    });
  });
}

/** nvcc's errors (at most 20), each followed by the source line it names. */
function diagnostics(text: string, source: string): string {
  const lines = source.split("\n");
  const out: string[] = [];
  for (const l of text.split("\n")) {
    const m = /kernels\.cu\((\d+)\): (error|warning)/.exec(l);
    if (!m || m[2] !== "error") continue;
    const n = Number(m[1]);
    out.push(l.replace(/^.*kernels\.cu/, "kernels.cu"), `    ${n}: ${(lines[n - 1] ?? "").trim()}`);
    if (out.length >= 40) break;
  }
  return out.length > 0 ? out.join("\n") : text.trim();
}
