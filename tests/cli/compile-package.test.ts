// `showo compile MODEL --package DIR --limits FILE.json --text-lens …` run as a child process: the
// package is written for the limits in the file (its REQUIREMENTS stay within them, its kernels use
// no feature the file does not grant), holds the T2I graphs of the P' asked for only and the MMU
// graphs at their default lengths; bad limits files, --text-lens values and MMU lengths are
// refused before any work. No device is opened.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { fileURLToPath } from "node:url";
import type { CompileCommandOptions } from "../../cli/commands/compile.ts";
import { runCompile } from "../../cli/commands/compile.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "showo-cli-pkg-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function showo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("compile --package --limits FILE.json --text-lens 9: a package for those limits with one T2I pair", () => {
  // 10 storage buffers (the T2I step's flash attention binds 9), no optional features.
  const limits = join(work, "limits.json");
  writeFileSync(limits, JSON.stringify({ limits: { maxStorageBuffersPerShaderStage: 10 }, features: [] }));
  const dir = join(work, "pkg");
  const r = showo("compile", "showo-shapes", "--target", "wgsl", "--package", dir, "--limits", limits, "--text-lens", "9");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /packaged 'showo-shapes' for .*limits\.json: 10 storage buffers per stage.*features: none/);
  assert.match(r.stdout, /executables {4}t2iPrefix9, t2iStep9, vqDecode, vqEncode, mmuPrefill, mmuDecode\n/);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { type: string; exports: Record<string, unknown>; types: string };
  assert.equal(pkg.type, "module");
  assert.equal(pkg.types, "./dist/index.d.ts");
  for (const f of ["dist/index.js", "dist/index.d.ts", "dist/data.js", "dist/lib/runtime/web/gpu-executable.js"]) assert.ok(existsSync(join(dir, f)), `${f} is missing`);
  const dts = readFileSync(join(dir, "dist/index.d.ts"), "utf8");
  assert.match(dts, /interface T2iStep9Inputs/);
  assert.match(dts, /understand\(image: Image \| \{/);
  // The MMU graphs' default lengths: 4 + 64 image tokens + a 32-id question; 32 new tokens.
  assert.match(dts, /interface MmuPrefillInputs \{\s+readonly ids: Tensor<"i32", readonly \[1, 100\]>/);
  assert.match(dts, /prompts up to 100 ids, 32 new tokens/);
  assert.doesNotMatch(dts, /T2iStep17/);
  const index = readFileSync(join(dir, "dist/index.js"), "utf8");
  const req = JSON.parse(/export const REQUIREMENTS = (\{.*?\});/s.exec(index)![1]!) as { limits: Record<string, number>; features: string[] };
  assert.deepEqual(req.features, []);
  assert.ok(req.limits["maxStorageBuffersPerShaderStage"]! > 8 && req.limits["maxStorageBuffersPerShaderStage"]! <= 10, JSON.stringify(req.limits));
  const kernels = readdirSync(join(dir, "kernels"));
  assert.ok(kernels.length > 0);
  for (const k of kernels) assert.doesNotMatch(readFileSync(join(dir, "kernels", k), "utf8"), /\benable (subgroups|f16)\b/, k);
});

test("compile --package --limits portable: every kernel within WebGPU's defaults (8 storage buffers), no optional feature", () => {
  const dir = join(work, "portable");
  const r = showo("compile", "showo-shapes", "--target", "wgsl", "--package", dir, "--limits", "portable", "--text-lens", "9");
  assert.equal(r.status, 0, r.stderr);
  const index = readFileSync(join(dir, "dist/index.js"), "utf8");
  const req = JSON.parse(/export const REQUIREMENTS = (\{.*?\});/s.exec(index)![1]!) as { limits: Record<string, number>; features: string[] };
  assert.deepEqual(req.features, []);
  assert.ok(req.limits["maxStorageBuffersPerShaderStage"]! <= 8, JSON.stringify(req.limits));
  for (const k of readdirSync(join(dir, "kernels"))) {
    const text = readFileSync(join(dir, "kernels", k), "utf8");
    assert.ok((text.match(/var<storage/g) ?? []).length <= 8, `${k} binds more than 8 storage buffers`);
    assert.doesNotMatch(text, /\benable (subgroups|f16)\b/, k);
  }
});

test("compile --package refuses bad limits files, --text-lens and MMU lengths, and those options without --package", async () => {
  const bad = join(work, "bad.json");
  writeFileSync(bad, JSON.stringify({ limits: { maxStorageBuffersPerShaderStage: 0 } }));
  const cases: [CompileCommandOptions, RegExp][] = [
    [{ target: "wgsl", out: "", package: join(work, "a"), limits: join(work, "missing.json") }, /--limits: '.*missing\.json' is neither portable, device nor a JSON file of limits/],
    [{ target: "wgsl", out: "", package: join(work, "b"), limits: bad }, /limit maxStorageBuffersPerShaderStage must be a positive integer, got 0/],
    [{ target: "wgsl", out: "", package: join(work, "c"), textLens: [10] }, /--text-lens: showo-shapes's T2I batches have 33, 25, 17, 9, 1 text rows after the dropped padding, not 10/],
    [{ target: "wgsl", out: join(work, "d"), textLens: [9] }, /--text-lens goes with --package/],
    [{ target: "wgsl", out: join(work, "f"), mmuCacheLen: 9 }, /--mmu-cache-len goes with --package/],
    [{ target: "wgsl", out: "", package: join(work, "g"), mmuPromptLen: 80, mmuCacheLen: 80 }, /--mmu-cache-len 80 must exceed the prompt length 80/],
    [{ target: "wgsl", out: "", package: join(work, "h"), mmuPromptLen: 68 }, /--mmu-prompt-len 68: an MMU prompt of showo-shapes holds 68 ids and at least one of the question/],
  ];
  for (const [o, want] of cases) await assert.rejects(runCompile("showo-shapes", o, () => {}), want, JSON.stringify(o));
  // The option's parsing, through the CLI.
  const r = showo("compile", "showo-shapes", "--target", "wgsl", "--package", join(work, "e"), "--text-lens", "nine");
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--text-lens must be a positive integer, got 'nine'/);
});
