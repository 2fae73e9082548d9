// The CUDA driver addon builds (scripts/build-addon.sh, g++ only, offline), loads, exports its
// functions, and fails cleanly where there is no driver: init() throws "no CUDA driver found
// (libcuda.so.1: …)", every other call before init() throws "CUDA not initialized", and the
// process goes on (and exits normally). Driver errors become JS Errors naming the call and the
// CUDA error: checked against a driver library whose every function fails the way NVIDIA's
// stub libcuda does (CUDA_ERROR_STUB_LIBRARY), built here with the C compiler.
//
// On a machine with a GPU the no-driver assertions are skipped (with the reason) and init() is
// checked to describe the device instead.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { fileURLToPath } from "node:url";
import type { CudaDriver } from "../../backends/cuda/addon.ts";
import { ADDON_ABI, addonPath, loadAddon } from "../../backends/cuda/addon.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

// Build (a no-op when current) before loading, so this file also runs on its own; an addon named
// by SHOWO_CUDA_ADDON (a prebuilt one, as on a GPU machine without a compiler) is used as it is.
if (!process.env["SHOWO_CUDA_ADDON"]) {
  const build = spawnSync("bash", [join(root, "scripts/build-addon.sh")], { encoding: "utf8" });
  if (build.status !== 0) throw new Error(`scripts/build-addon.sh failed (exit ${build.status}):\n${build.stderr}`);
}

const t0 = performance.now();
const cu: CudaDriver = loadAddon();
console.log(`# addon ${addonPath()} loaded in ${(performance.now() - t0).toFixed(1)} ms`);

// Does this machine have a driver? (Decides which half of the init tests applies.)
let driverError = "";
try {
  const info = cu.init();
  console.log(`# CUDA device: ${info.name} (sm_${info.computeCapability}, driver ${info.driverVersion})`);
} catch (e) {
  driverError = (e as Error).message;
  console.log(`# no CUDA here: ${driverError}`);
}
const hasDriver = driverError === "";
afterAll(() => cu.shutdown());

const EXPORTED = [
  "init", "initialized", "shutdown", "symbols", "memGetInfo", "memAlloc", "memFree", "memcpyHtoD", "memcpyDtoH", "memsetD8",
  "moduleLoad", "moduleUnload", "moduleGetFunction", "funcGetAttributes", "launch", "synchronize", "synchronizeAsync",
  "eventCreate", "eventRecord", "eventSynchronize", "eventElapsedTime", "eventDestroy", "nvrtcCompile",
] as const;

// Every call that needs init(), with arguments that would be valid after it.
const NEEDS_INIT: readonly [string, () => unknown][] = [
  ["memGetInfo", () => cu.memGetInfo()],
  ["memAlloc", () => cu.memAlloc(1024)],
  ["memFree", () => cu.memFree(1)],
  ["memcpyHtoD", () => cu.memcpyHtoD(1, 0, new Float32Array(4))],
  ["memcpyDtoH", () => cu.memcpyDtoH(1, 0, 16)],
  ["memsetD8", () => cu.memsetD8(1, 0, 0, 16)],
  ["moduleLoad", () => cu.moduleLoad(new TextEncoder().encode(".version 7.8\n.target sm_80\n.address_size 64\n"))],
  ["moduleUnload", () => cu.moduleUnload(1)],
  ["moduleGetFunction", () => cu.moduleGetFunction(1, "main")],
  ["funcGetAttributes", () => cu.funcGetAttributes(1)],
  ["launch", () => cu.launch(1, 1, 1, 1, 64, 1, 1, 0, new Float64Array([1, 0]), new Uint8Array(16))],
  ["synchronize", () => cu.synchronize()],
  ["synchronizeAsync", () => cu.synchronizeAsync()],
  ["eventCreate", () => cu.eventCreate()],
  ["eventRecord", () => cu.eventRecord(1)],
  ["eventSynchronize", () => cu.eventSynchronize(1)],
  ["eventElapsedTime", () => cu.eventElapsedTime(1, 2)],
  ["eventDestroy", () => cu.eventDestroy(1)],
];

test("the addon exports every driver wrapper and the expected interface version", () => {
  for (const name of EXPORTED) assert.equal(typeof (cu as unknown as Record<string, unknown>)[name], "function", `export '${name}'`);
  assert.equal(cu.abi, ADDON_ABI);
  assert.deepEqual(Object.keys(cu).filter((k) => k !== "abi").sort(), [...EXPORTED].sort());
});

test("init() resolves every driver function the backend uses, by its versioned symbol", () => {
  const symbols = cu.symbols();
  for (const s of [
    "cuInit", "cuDeviceGet", "cuDeviceGetName", "cuDeviceGetAttribute", "cuDevicePrimaryCtxRetain", "cuCtxSetCurrent",
    "cuModuleLoadData", "cuModuleGetFunction", "cuMemAlloc_v2", "cuMemFree_v2", "cuMemcpyHtoD_v2", "cuMemcpyDtoH_v2",
    "cuMemsetD8_v2", "cuLaunchKernel", "cuStreamCreate", "cuStreamSynchronize", "cuEventCreate", "cuEventRecord",
    "cuEventElapsedTime", "cuCtxSynchronize", "cuGetErrorString", "cuDriverGetVersion",
  ]) assert.ok(symbols.includes(s), `symbol ${s}`);
  assert.equal(new Set(symbols).size, symbols.length, "no symbol twice");
});

test("without a driver, init() throws 'no CUDA driver found (libcuda.so.1: …)' and the process goes on", (t) => {
  if (hasDriver) t.skip("a CUDA driver is present on this machine");
  assert.match(driverError, /^no CUDA driver found \(libcuda\.so\.1: .+\)$/);
  // Again: a failed init leaves nothing half-open, so it fails the same way.
  assert.throws(() => cu.init(), (e: Error) => e.message === driverError);
  assert.throws(() => cu.init(0, "/nonexistent/libcuda.so.1"), /^Error: no CUDA driver found \(\/nonexistent\/libcuda\.so\.1: .*No such file/);
  assert.equal(cu.initialized(), false);
});

test("before init(), every other call throws 'CUDA not initialized'", () => {
  cu.shutdown(); // on a GPU machine, undo the init above
  assert.equal(cu.initialized(), false);
  for (const [name, call] of NEEDS_INIT) {
    assert.throws(call, (e: Error) => e instanceof Error && /^CUDA not initialized/.test(e.message), `${name}() before init()`);
  }
  cu.shutdown(); // harmless when nothing is open
});

test("with a GPU, init() describes the device", (t) => {
  if (!hasDriver) t.skip(`no CUDA driver: ${driverError}`);
  const info = cu.init();
  assert.equal(cu.initialized(), true);
  assert.ok(info.name.length > 0);
  assert.ok(info.computeCapability >= 50, `compute capability ${info.computeCapability}`);
  assert.equal(info.warpSize, 32);
  assert.ok(info.maxThreadsPerBlock >= 1024 && info.sharedMemPerBlock >= 48 * 1024 && info.totalMem > 2 ** 30);
  assert.deepEqual(cu.init(), info, "a second init() returns the same description");
  const m = cu.memGetInfo();
  assert.ok(m.free > 0 && m.free <= m.total);
  cu.shutdown();
});

test("a process that loads the addon, fails init() and exits does so normally", () => {
  const script = `
    const cu = require(${JSON.stringify(addonPath())});
    let msg = "initialized";
    try { cu.init(0, "/nonexistent/libcuda.so.1"); } catch (e) { msg = e.message; }
    try { cu.memAlloc(16); } catch (e) { msg += " | " + e.message; }
    console.log(msg);`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, `exit ${r.status} (signal ${r.signal}): ${r.stderr}`);
  assert.match(r.stdout, /^no CUDA driver found \(\/nonexistent\/libcuda\.so\.1: .*\) \| CUDA not initialized/);
});

// ---------------------------------------------------------------------------------------------
// Driver errors, through a library that fails like NVIDIA's stub libcuda

const cc = ["cc", "gcc"].find((c) => spawnSync(c, ["--version"]).status === 0);
const work = mkdtempSync(join(tmpdir(), "cudrv-stub-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A libcuda whose functions all return CUDA_ERROR_STUB_LIBRARY (34), without `omit`. */
function stubDriver(name: string, omit: readonly string[] = []): string {
  const fns = cu.symbols().filter((s) => !omit.includes(s) && s !== "cuGetErrorName" && s !== "cuGetErrorString");
  const src = [
    "int cuGetErrorName(int e, const char** s) { *s = e == 34 ? \"CUDA_ERROR_STUB_LIBRARY\" : 0; return e == 34 ? 0 : 1; }",
    "int cuGetErrorString(int e, const char** s) { *s = e == 34 ? \"CUDA driver is a stub library\" : 0; return e == 34 ? 0 : 1; }",
    ...fns.map((f) => `int ${f}(void) { return 34; }`),
  ].join("\n");
  const c = join(work, `${name}.c`), so = join(work, `${name}.so`);
  writeFileSync(c, src);
  const r = spawnSync(cc!, ["-shared", "-fPIC", "-o", so, c], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return so;
}

// Once a real driver has been opened, the thread keeps it (unloading libcuda is unsafe).
const noStub = hasDriver ? "a real CUDA driver is loaded in this process" : cc ? "" : "no C compiler (cc or gcc)";

test("a failing driver call becomes an Error with the call, the CUDA error's name and text", (t) => {
  if (noStub) t.skip(noStub);
  const so = stubDriver("stub");
  assert.throws(() => cu.init(0, so), (e: Error & { code?: string; cuResult?: number; call?: string }) => {
    assert.equal(e.message, "cuInit failed: CUDA_ERROR_STUB_LIBRARY (34): CUDA driver is a stub library");
    assert.equal(e.code, "CUDA_ERROR_STUB_LIBRARY");
    assert.equal(e.cuResult, 34);
    assert.equal(e.call, "cuInit");
    return true;
  });
  assert.equal(cu.initialized(), false);
  assert.throws(() => cu.memAlloc(16), /^Error: CUDA not initialized/);
});

test("a driver without one of the functions is reported by name", (t) => {
  if (noStub) t.skip(noStub);
  const so = stubDriver("old", ["cuMemsetD8_v2", "cuEventElapsedTime"]);
  assert.throws(() => cu.init(0, so), (e: Error) => {
    assert.equal(e.message, `the CUDA driver in ${so} is too old or incomplete: missing cuMemsetD8_v2, cuEventElapsedTime`);
    return true;
  });
  assert.equal(cu.initialized(), false);
});

test("arguments are checked before anything reaches the driver", () => {
  assert.throws(() => cu.init(-1), /argument 1 \(ordinal\) must be an integer in \[0, 1024\], got -1/);
  assert.throws(() => cu.init(0, 7 as unknown as string), /argument 2 \(library\) must be a string/);
  assert.throws(() => cu.nvrtcCompile("libnvrtc.so", "", "x.cu", [1] as unknown as string[]), /argument 4 \(options\) must be an array of strings/);
});

test("NVRTC needs no driver; a missing library rejects with the loader's reason", async () => {
  await assert.rejects(cu.nvrtcCompile("/nonexistent/libnvrtc.so.13", "extern \"C\" __global__ void k() {}", "k.cu", ["--gpu-architecture=sm_90"]),
    /^Error: cannot load NVRTC \(\/nonexistent\/libnvrtc\.so\.13: cannot open shared object file: No such file or directory\)$/);
});
