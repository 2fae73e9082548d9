// Weights holding NaN or ±Inf are refused when loaded: F32, F16 and BF16 tensors with a bad value
// at a random element, written with the safetensors writer, give a CheckpointError naming the
// file, the tensor, the first bad flat index (and its multi-index) and the kind; allowNonFinite
// lets them through. Also the bit test itself (the largest finite values and subnormals pass,
// negative NaNs are NaN), an index found across read chunks, a finite F32 value that overflows an
// f16 parameter, and the raw reader left permissive by default.
//
// Before, such weights loaded silently: `forward` wrote all-NaN logits, `generate` code 8191.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import type { DType } from "../../compiler/ir/types.ts";
import type { StDType } from "../../runtime/weights/dtypes.ts";
import { firstNonFinite } from "../../runtime/weights/dtypes.ts";
import type { KeyMap } from "../../runtime/weights/keymap.ts";
import { loadWeights } from "../../runtime/weights/load.ts";
import { CheckpointError, SafetensorsFile } from "../../runtime/weights/safetensors.ts";
import { writeSafetensors } from "../../runtime/weights/safetensors-write.ts";
import { mulberry32, normal, randInt, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const dir = mkdtempSync(join(tmpdir(), "showo-nonfinite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const tmp = () => join(dir, `w-${fileNo++}.safetensors`);

/** Every key is the parameter of its own name. */
const IDENTITY: KeyMap = { model: "showo", map: (key) => ({ kind: "param", name: key }) };

const SHAPE = [3, 7];
const randomValues = (n: number) => Array.from({ length: n }, () => normal(rng));

/** A checkpoint of a finite tensor 'a.weight' [5] and 'b.weight' [3, 7] with `value` at flat index `at`. */
async function checkpoint(dtype: StDType, value: number, at: number): Promise<string> {
  const b = randomValues(21);
  b[at] = value;
  const path = tmp();
  await writeSafetensors(path, [{ name: "a.weight", dtype, shape: [5], data: randomValues(5) }, { name: "b.weight", dtype, shape: SHAPE, data: b }]);
  return path;
}

const expected = (dtype: DType = "f32") => [{ name: "a.weight", dtype, shape: [5] }, { name: "b.weight", dtype, shape: SHAPE }];

test("NaN, +Inf and -Inf in F32, F16 and BF16 weights are refused with the file, tensor, flat index and kind", async () => {
  for (const dtype of ["F32", "F16", "BF16"] as const) {
    for (const [value, kind] of [[Number.NaN, "NaN"], [Infinity, "\\+Inf"], [-Infinity, "-Inf"]] as const) {
      const at = randInt(rng, 0, 21);
      const path = await checkpoint(dtype, value, at);
      const what = `${dtype} ${kind} at ${at} (TEST_SEED=${seed})`;
      await assert.rejects(loadWeights(path, expected(), IDENTITY), (e: Error) => {
        assert.ok(e instanceof CheckpointError, what);
        assert.equal(e.file, path);
        const multi = `\\[${Math.floor(at / 7)}, ${at % 7}\\]`;
        assert.match(e.message, new RegExp(`^${path.replace(/[.\\/]/g, "\\$&")}: tensor 'b\\.weight' ${dtype}\\[3, 7\\] holds ${kind} at flat index ${at} ${multi}: non-finite weights are refused`), what);
        return true;
      });
      // Let through on request, the value as stored.
      const w = await loadWeights(path, expected(), IDENTITY, { allowNonFinite: true });
      assert.ok(Object.is(w["b.weight"]!.data[at], value), what);
    }
  }
});

test("the bit test: largest finite values and subnormals pass, negative NaN is NaN, integers are never flagged", () => {
  const u8 = (words: number[], bits: 16 | 32) => new Uint8Array((bits === 32 ? Uint32Array.from(words) : Uint16Array.from(words)).buffer);
  // F32: max finite, smallest subnormal, -0, then +Inf; a negative quiet NaN.
  assert.deepEqual(firstNonFinite("F32", u8([0x7f7fffff, 0x00000001, 0x80000000, 0x7f800000], 32), 4), { index: 3, kind: "+Inf" });
  assert.deepEqual(firstNonFinite("F32", u8([0x3f800000, 0xffc00000], 32), 2), { index: 1, kind: "NaN" });
  assert.equal(firstNonFinite("F32", u8([0x7f7fffff, 0xff7fffff], 32), 2), undefined);
  // F16: 65504, -65504, a subnormal, then -Inf; a NaN with only the low mantissa bit.
  assert.deepEqual(firstNonFinite("F16", u8([0x7bff, 0xfbff, 0x0001, 0xfc00], 16), 4), { index: 3, kind: "-Inf" });
  assert.deepEqual(firstNonFinite("F16", u8([0x7c01], 16), 1), { index: 0, kind: "NaN" });
  // BF16: max finite 0x7f7f, then a NaN.
  assert.deepEqual(firstNonFinite("BF16", u8([0x7f7f, 0xff7f, 0x7fc1], 16), 3), { index: 2, kind: "NaN" });
  assert.equal(firstNonFinite("I32", u8([0x7f800000], 32), 1), undefined);
});

test("the raw reader: permissive by default; with `finite`, the index is found across chunks", async () => {
  const data = randomValues(40);
  data[29] = Number.NaN;
  const path = tmp();
  await writeSafetensors(path, [{ name: "x", dtype: "F32", shape: [40], data }]);
  const f = await SafetensorsFile.open(path);
  try {
    assert.ok(Number.isNaN((await f.read("x", "f64"))[29]!));
    // 8-byte chunks: two F32 values per read, so element 29 is in the 15th.
    await assert.rejects(f.read("x", "f32", { finite: true, chunkBytes: 8 }), /tensor 'x' F32\[40\] holds NaN at flat index 29: non-finite/);
  } finally {
    await f.close();
  }
});

test("a finite F32 value beyond f16's range overflows an f16 parameter: refused too", async () => {
  const data = randomValues(21);
  data[8] = -1e5;
  const path = tmp();
  await writeSafetensors(path, [{ name: "a.weight", dtype: "F32", shape: [5], data: randomValues(5) }, { name: "b.weight", dtype: "F32", shape: SHAPE, data }]);
  await assert.rejects(loadWeights(path, expected("f16"), IDENTITY), /tensor 'b\.weight' F32\[3, 7\] holds -Inf at flat index 8 \[1, 1\].*\(a finite F32 value that overflows the f16 parameter 'b\.weight'\)/);
  const ok = await loadWeights(path, expected("f32"), IDENTITY);
  assert.equal(ok["b.weight"]!.data[8], -1e5);
});
