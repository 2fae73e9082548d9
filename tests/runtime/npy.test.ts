// runtime/npy.ts: .npy files as NumPy writes them. The golden fixtures were written by NumPy 1.24
// (np.save), so re-encoding what we read must give their exact bytes; arrays of every supported
// dtype round-trip; headers that are not C-order little-endian arrays are refused by name.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "vitest";
import { encodeNpy, npyToFloat64, parseNpy } from "../../runtime/npy.ts";
import { mulberry32 } from "../util/random.ts";

const fixtures = new URL("../golden/fixtures/", import.meta.url).pathname;

test("npy: re-encoding NumPy's files gives the same bytes (float32, int32, uint8; 2-D and 3-D)", () => {
  for (const name of ["vq.images.npy", "vq.codes.npy", "t2i.mask.npy", "lm.logits.npy", "vq.decode_2x4.codes.npy"]) {
    const bytes = readFileSync(fixtures + name);
    const a = parseNpy(bytes, name);
    assert.deepEqual(Buffer.from(encodeNpy(a)), bytes, name);
  }
  const codes = parseNpy(readFileSync(fixtures + "vq.codes.npy"));
  assert.equal(codes.dtype, "i4");
  assert.deepEqual(codes.shape, [3, 16]);
  assert.ok([...codes.data as Int32Array].every((c) => c >= 0 && c < 8192));
});

test("npy: every dtype round-trips, including 0-d, 1-d and empty arrays and a version-2 header", () => {
  const rng = mulberry32(7);
  const vals = (n: number) => Array.from({ length: n }, () => Math.round((rng() - 0.5) * 200));
  const cases = [
    { shape: [2, 3], data: Float32Array.from(vals(6), (v) => v / 7) },
    { shape: [5], data: Float64Array.from(vals(5), (v) => v / 3) },
    { shape: [], data: Float16Array.from([1.5]) },
    { shape: [3, 0], data: new Int32Array(0) },
    { shape: [4], data: BigInt64Array.from(vals(4), (v) => BigInt(v)) },
    { shape: [2, 2], data: Int16Array.from(vals(4)) },
    { shape: [3], data: Uint8Array.from([0, 1, 255]) },
    { shape: [3], data: Uint8Array.from([1, 0, 1]), dtype: "b1" as const },
    { shape: [2], data: Uint32Array.from([0, 4294967295]) },
    // 25,000 dimensions of 1: the header outgrows a u16 length, so version 2.0 is written.
    { shape: new Array<number>(25000).fill(1), data: Float32Array.from([2.5]) },
  ];
  for (const c of cases) {
    const bytes = encodeNpy(c);
    assert.equal(bytes[6], c.shape.length === 25000 ? 2 : 1);
    const hdr = bytes[6] === 1 ? 10 + (bytes[8]! | (bytes[9]! << 8)) : 12 + new DataView(bytes.buffer).getUint32(8, true);
    assert.equal(hdr % 64, 0, "data starts 64-byte aligned");
    const back = parseNpy(bytes);
    assert.deepEqual(back.shape, c.shape);
    assert.equal(back.dtype, c.dtype ?? back.dtype);
    assert.deepEqual([...back.data], [...c.data]);
  }
  assert.deepEqual([...npyToFloat64(parseNpy(encodeNpy({ shape: [2], data: BigInt64Array.from([-3n, 9007199254740991n]) })))], [-3, 9007199254740991]);
});

test("npy: bad files are refused with the reason", () => {
  const good = encodeNpy({ shape: [2, 2], data: new Float32Array(4) });
  const withHeader = (h: string) => {
    const b = Buffer.from(good);
    const text = Buffer.from(h.padEnd(good.length - 10 - 16 - 1) + "\n", "latin1");
    text.copy(b, 10);
    return b;
  };
  assert.throws(() => parseNpy(Buffer.from("not an npy file"), "x.npy"), /x\.npy: not a \.npy file/);
  assert.throws(() => parseNpy(withHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }")), /Fortran-order arrays are not supported/);
  assert.throws(() => parseNpy(withHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }")), /big-endian dtype '>f4'/);
  assert.throws(() => parseNpy(withHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2), }")), /dtype '<c8' is not supported/);
  assert.throws(() => parseNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }")), /truncated \.npy data: float32 \[4, 4\] needs 64 bytes/);
  assert.throws(() => encodeNpy({ shape: [3], data: new Float32Array(4) }), /holds 3 values, the data has 4/);
});
