// Outputs all-or-nothing, errors before work (issue: hardening §5): every path a verb will write
// is checked before the model runs, files are written through a temporary name, and sizes that
// cannot be allocated are refused naming the flag.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { fileURLToPath } from "node:url";
import { checkOutputFile, ensureOutputFolder, writeFileAtomic } from "../../runtime/files.ts";
import { readNpy, writeNpy } from "../../runtime/npy.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "showo-outputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const W = join(root, "tests/golden/fixtures/showo-tiny.safetensors");

function showo(...args: string[]): { status: number | null; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, "cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stderr: r.stderr, ms: performance.now() - t0 };
}

test("writeFileAtomic and writeNpy replace a file whole and leave no temporary behind", () => {
  const p = join(dir, "a.npy");
  writeFileSync(p, "old");
  writeNpy(p, { shape: [2], data: Int32Array.of(7, 8) });
  assert.deepEqual(Array.from(readNpy(p).data as Int32Array), [7, 8]);
  writeFileAtomic(join(dir, "b.txt"), "x");
  assert.equal(readFileSync(join(dir, "b.txt"), "utf8"), "x");
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
  assert.throws(() => writeFileAtomic(join(dir, "missing", "c.txt"), "x"), /ENOENT/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
});

test("checkOutputFile and ensureOutputFolder name the flag and the problem", () => {
  assert.throws(() => checkOutputFile(join(dir, "nope", "x.npy"), "--out"), /--out .*x\.npy: the folder .*nope does not exist/);
  assert.throws(() => checkOutputFile(dir, "--out"), /is a folder; give a file name/);
  const f = join(dir, "file");
  writeFileSync(f, "");
  assert.throws(() => ensureOutputFolder(f, "--out"), /--out .*file exists and is not a folder/);
  ensureOutputFolder(join(dir, "new", "deep"), "--out");
  assert.ok(existsSync(join(dir, "new", "deep")));
});

test("generate, forward, vq and compile refuse bad output paths and sizes before any work, writing nothing", () => {
  const file = join(dir, "not-a-folder");
  writeFileSync(file, "keep");
  const ids = join(dir, "ids.json");
  writeFileSync(ids, JSON.stringify([[1, 2, 3]]));
  const cases: [string[], RegExp][] = [
    [["generate", "--model", "showo-tiny", "--weights", W, "--prompt", "x", "--out", file, "--vq-weights", W], /--out .*not-a-folder exists and is not a folder/],
    [["generate", "--model", "showo-tiny", "--weights", W, "--prompt", "x", "--codes-out", join(dir, "missing", "c.npy")], /--codes-out .*c\.npy: the folder .*missing does not exist/],
    [["generate", "--model", "showo-tiny", "--weights", W, "--prompt", "x", "--steps", "1000000000", "--codes-out", join(dir, "c.npy")], /sampling noise for 1000000000 steps .* GiB \(at most 1 GiB\): lower --steps/],
    [["forward", "--model", "showo-tiny", "--weights", W, "--task", "lm", "--ids", ids, "--out", join(dir, "missing", "f.npy")], /--out .*f\.npy: the folder .*missing does not exist/],
    [["vq", "encode", "--model", "magvit2-tiny", "--weights", W, "--in", ids, "--out", dir], /--out .* is a folder; give a file name/],
    [["compile", "mlp", "--dim", "Q=3", "--out", join(dir, "cc")], /--dim Q: the graph has no dimension Q \(its symbolic dimensions: B, L\)/],
    [["compile", "mlp", "--out", file], /--out .*not-a-folder exists and is not a folder/],
    [["compile", "mlp", "--batch", "100000000", "--out", join(dir, "cc")], /needs \d+ storage bindings; the device allows \d+: f32\[100000000, 16, 64\] takes \d+ bindings, since one binding holds at most 128 MiB/],
  ];
  for (const [args, want] of cases) {
    const r = showo(...args);
    assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, want, args.join(" "));
    assert.ok(r.ms < 30_000, `${args.join(" ")} took ${r.ms.toFixed(0)} ms`);
  }
  assert.equal(readFileSync(file, "utf8"), "keep");
  assert.ok(!existsSync(join(dir, "c.npy")) && !existsSync(join(dir, "missing")));
});
