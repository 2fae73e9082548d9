// `showo vq encode|decode`, run as a child process on the golden magvit2-tiny weights: codes equal
// the PyTorch fixtures exactly, decoded pixels agree within 1e-4 (square grids and --grid), the
// files have the contract's dtypes and shapes, and bad input fails with a clear message.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { fileURLToPath } from "node:url";
import { npyToFloat64, readNpy, writeNpy } from "../../runtime/npy.ts";
import { assertMaxNormClose, fixture, fixturePath, fixtureValues, goldenIndex } from "../golden/fixtures.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "showo-vq-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const index = goldenIndex().magvit2;
const weights = fixturePath(index.weights);

function showo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const vq = (verb: string, input: string, out: string, ...extra: string[]) =>
  showo("vq", verb, "--model", index.model, "--weights", weights, "--in", input, "--out", out, ...extra);

test("showo vq encode: images float32 NCHW → codes int32 [B, h·w], equal to PyTorch's", () => {
  const out = join(dir, "codes.npy");
  const r = vq("encode", fixturePath(index.encode.images), out);
  assert.equal(r.status, 0, r.stderr);
  const codes = readNpy(out), ref = fixture(index.encode.codes);
  assert.equal(codes.dtype, "i4");
  assert.deepEqual(codes.shape, ref.shape);
  assert.deepEqual([...codes.data as Int32Array], [...ref.data as Int32Array]);
});

test("showo vq decode: codes → images float32 [B, 3, f·h, f·w] within 1e-4 of PyTorch, square and --grid", () => {
  for (const d of index.decode) {
    const out = join(dir, `pixels_${d.grid.join("x")}.npy`);
    const square = d.grid[0] === d.grid[1];
    const r = vq("decode", fixturePath(d.codes), out, ...(square ? [] : ["--grid", `${d.grid[0]}x${d.grid[1]}`]));
    assert.equal(r.status, 0, r.stderr);
    const img = readNpy(out), ref = fixture(d.pixels);
    assert.equal(img.dtype, "f4");
    assert.deepEqual(img.shape, ref.shape);
    assertMaxNormClose(npyToFloat64(img), fixtureValues(d.pixels), 1e-4, `decode ${d.grid.join("×")}`);
  }
  // int64 codes (NumPy's default integer) are accepted too.
  const codes64 = join(dir, "codes64.npy");
  const c = fixture(index.decode[0]!.codes);
  writeNpy(codes64, { shape: c.shape, data: BigInt64Array.from(c.data as Int32Array, (v) => BigInt(v)) });
  const out = join(dir, "pixels64.npy");
  assert.equal(vq("decode", codes64, out).status, 0);
  assertMaxNormClose(npyToFloat64(readNpy(out)), fixtureValues(index.decode[0]!.pixels), 1e-4, "decode int64 codes");
});

test("showo vq: wrong shapes, values out of range and unknown models fail with clear messages", () => {
  const out = join(dir, "bad.npy");
  const write = (name: string, a: Parameters<typeof writeNpy>[1]) => {
    const p = join(dir, name);
    writeNpy(p, a);
    return p;
  };
  const fails = (r: { status: number | null; stderr: string }, pattern: RegExp) => {
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, pattern);
  };
  fails(showo("vq", "encode", "--model", "magvit3", "--weights", weights, "--in", fixturePath(index.encode.images), "--out", out), /unknown model 'magvit3' \(MAGVIT-v2 models: magvit2, magvit2-tiny, magvit2-shapes\)/);
  fails(vq("encode", write("gray.npy", { shape: [1, 1, 16, 16], data: new Float32Array(256) }), out), /images must be NCHW \[B, 3, H, W\]; got float32 \[1, 1, 16, 16\]/);
  fails(vq("encode", write("odd.npy", { shape: [1, 3, 16, 18], data: new Float32Array(3 * 16 * 18) }), out), /H, W positive multiples of 4; got float32 \[1, 3, 16, 18\]/);
  fails(vq("encode", write("bytes.npy", { shape: [1, 3, 4, 4], data: new Float32Array(48).fill(255) }), out), /value 255 .* outside \[−1, 1\]/);
  fails(vq("encode", write("ints.npy", { shape: [1, 3, 4, 4], data: new Int32Array(48) }), out), /images must be float32/);
  fails(vq("decode", write("ragged.npy", { shape: [1, 12], data: new Int32Array(12) }), out), /12 codes per row do not form a square grid; pass --grid HxW/);
  fails(vq("decode", write("grid.npy", { shape: [1, 12], data: new Int32Array(12) }), out, "--grid", "4x4"), /--grid 4x4 holds 16 codes, the rows have 12/);
  fails(vq("decode", write("range.npy", { shape: [1, 4], data: Int32Array.from([0, 1, 8192, 3]) }), out), /code 8192 at \[0, 2\] is outside the codebook \[0, 8192\)/);
  fails(vq("decode", write("floats.npy", { shape: [1, 4], data: new Float32Array(4) }), out), /codes must be int32 \[B, N\]; got float32/);
  fails(vq("decode", write("vec.npy", { shape: [16], data: new Int32Array(16) }), out), /codes must be a non-empty 2-D array/);
});
