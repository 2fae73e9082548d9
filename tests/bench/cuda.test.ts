// `showo bench matmul|showo-forward --target cuda` without a GPU: the bench opens the CUDA device
// before anything else and fails with the driver's "no CUDA driver found (…)" error, from the
// function and from the command line alike. Where a CUDA device is present these tests skip (the
// benches themselves run there, from scripts/gpu-run.sh). Also checked without any device: the
// argument errors of --target.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "vitest";
import { fileURLToPath } from "node:url";
import { openCudaDevice } from "../../backends/cuda/device.ts";
import { runBench } from "../../cli/commands/bench.ts";
import { GpuError } from "../../runtime/device.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

// The addon must be built for the device to report the driver's absence (a no-op when current),
// unless SHOWO_CUDA_ADDON names a prebuilt one.
if (!process.env["SHOWO_CUDA_ADDON"]) {
  const build = spawnSync("bash", [`${root}scripts/build-addon.sh`], { encoding: "utf8" });
  if (build.status !== 0) throw new Error(`scripts/build-addon.sh failed (exit ${build.status}):\n${build.stderr}`);
}

let gpu = "";
try {
  const d = await openCudaDevice();
  gpu = d.description;
  d.dispose();
} catch {
  // No device: what the tests below expect.
}
const gpuPresent = gpu ? `a CUDA device is present (${gpu}): the benches run there` : "";
if (gpuPresent) console.log(`# skipping the no-driver checks: ${gpuPresent}`);

const NO_DRIVER = /^no CUDA driver found \(libcuda\.so\.1: .+\)$/;

for (const name of ["matmul", "showo-forward"]) {
  test(`without a GPU, runBench('${name}', {target: 'cuda'}) rejects with 'no CUDA driver found' before any output`, async (t) => {
    if (gpuPresent) t.skip(gpuPresent);
    const lines: string[] = [];
    await assert.rejects(runBench(name, { target: "cuda", quick: true }, (l) => lines.push(l)), (e: unknown) => {
      assert.ok(e instanceof GpuError, `a GpuError, got ${String(e)}`);
      assert.equal(e.kind, "unavailable");
      assert.match(e.message, NO_DRIVER);
      return true;
    });
    assert.deepEqual(lines, []);
  });

  test(`without a GPU, 'showo bench ${name} --target cuda' exits 1 and says 'no CUDA driver found'`, (t) => {
    if (gpuPresent) t.skip(gpuPresent);
    const r = spawnSync(process.execPath, [`${root}cli/showo.js`, "bench", name, "--target", "cuda"], { encoding: "utf8", cwd: root });
    assert.equal(r.status, 1, `exit status (stderr: ${r.stderr})`);
    assert.match(r.stderr, /^showo: error: no CUDA driver found \(libcuda\.so\.1: .+\)$/m);
    assert.equal(r.stdout, "");
  });
}

test("--target accepts only wgsl and cuda; showo-forward needs cuda; the other benches have no CUDA version", async () => {
  await assert.rejects(runBench("matmul", { target: "metal" }), /--target must be 'wgsl' or 'cuda', got 'metal'/);
  await assert.rejects(runBench("showo-forward", {}), /runs only with --target cuda/);
  for (const name of ["block", "attention", "mmu", "train"]) {
    await assert.rejects(runBench(name, { target: "cuda" }), new RegExp(`bench '${name}' has no CUDA version`));
  }
  await assert.rejects(runBench("nope", { target: "cuda" }), /bench 'nope' has no CUDA version/);
});
