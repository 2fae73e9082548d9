// safetensors reading and writing: round trips of random tensors in every dtype (through small
// chunks, so chunk boundaries fall inside tensors), every header validation error, truncated
// files, and streaming a 64 MiB file in both directions without holding it.
//
// Tolerance: exact. F32/F16/BF16 values read back equal the written values rounded to the dtype
// (roundTo, the reference's rounding), integers equal.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { roundTo } from "../../compiler/ir/ref.ts";
import type { StDType } from "../../runtime/weights/dtypes.ts";
import { CheckpointError, MAX_HEADER_BYTES, SafetensorsFile, readHeader } from "../../runtime/weights/safetensors.ts";
import type { TensorToWrite } from "../../runtime/weights/safetensors-write.ts";
import { encodeHeader, writeSafetensors } from "../../runtime/weights/safetensors-write.ts";
import { mulberry32, normal, randInt, testSeed } from "../util/random.ts";

const dir = mkdtempSync(join(tmpdir(), "showo-st-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const tmp = (name = "t") => join(dir, `${name}-${fileNo++}.safetensors`);

/** What a value becomes when stored as each dtype. */
const STORED: Record<StDType, (x: number) => number> = { F32: Math.fround, F16: Math.f16round, BF16: (x) => roundTo("bf16", x), I32: (x) => x, I64: (x) => x };

/** A raw file: 8-byte length (or `length` when given), the header text, then `data`. */
function rawFile(header: string | object, data: Uint8Array = new Uint8Array(0), length?: bigint): string {
  const text = typeof header === "string" ? header : JSON.stringify(header);
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + body.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(body.length), true);
  out.set(body, 8);
  out.set(data, 8 + body.length);
  const path = tmp("raw");
  writeFileSync(path, out);
  return path;
}

/** The problems readHeader reports for a file (fails if it reports none). */
async function problemsOf(path: string): Promise<readonly string[]> {
  try {
    await readHeader(path);
  } catch (e) {
    assert.ok(e instanceof CheckpointError, `expected a CheckpointError, got ${String(e)}`);
    assert.equal(e.file, path);
    return e.problems;
  }
  assert.fail(`${path}: no problem reported`);
}

const f32 = (name: string, shape: number[], begin: number) => ({ [name]: { dtype: "F32", shape, data_offsets: [begin, begin + 4 * shape.reduce((a, b) => a * b, 1)] } });

// ----- round trips -------------------------------------------------------------------------------

test("round trip of random F32, F16, BF16, I64 and I32 tensors through small chunks", async () => {
  const seed = testSeed();
  const rng = mulberry32(seed);
  const dtypes: StDType[] = ["F32", "F16", "BF16", "I64", "I32"];
  const tensors: TensorToWrite[] = [];
  for (let i = 0; i < 20; i++) {
    const dtype = dtypes[i % dtypes.length]!;
    const rank = randInt(rng, 0, 4);
    const shape = Array.from({ length: rank }, () => randInt(rng, i === 7 ? 0 : 1, 9));
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: n }, () => (dtype.startsWith("I") ? randInt(rng, -1000000, 1000000) : normal(rng) * 10 ** randInt(rng, -3, 4)));
    tensors.push({ name: `t${i}.${dtype.toLowerCase()}`, dtype, shape, data });
  }
  const path = tmp();
  // 24-byte chunks: several per tensor, and element sizes 2, 4 and 8 all divide them.
  const size = await writeSafetensors(path, tensors, { metadata: { format: "pt", seed: String(seed) }, chunkBytes: 24 });
  assert.equal(statSync(path).size, size);
  const f = await SafetensorsFile.open(path);
  try {
    assert.deepEqual(f.header.metadata, { format: "pt", seed: String(seed) });
    assert.equal(f.header.dataStart % 8, 0, "data region starts 8-aligned");
    assert.deepEqual(f.header.tensors.map((t) => t.name), tensors.map((t) => t.name));
    assert.deepEqual(f.header.truncated, []);
    for (const t of tensors) {
      const e = f.entry(t.name);
      assert.equal(e.dtype, t.dtype);
      assert.deepEqual(e.shape, t.shape);
      const want = Array.from(t.data as number[], STORED[t.dtype]);
      assert.deepEqual([...(await f.read(t.name, "f64", { chunkBytes: 16 }))], want, `seed ${seed}: ${t.name}`);
      assert.deepEqual([...(await f.read(t.name, "f32"))], want.map((x) => Math.fround(x)));
    }
    // Conversion on load: F32 values rounded to bf16 when the model's parameter is bf16.
    const t0 = tensors[0]!;
    const asBf16 = await f.read(t0.name, "f64", { round: (x) => roundTo("bf16", x) });
    assert.deepEqual([...asBf16], (t0.data as number[]).map((x) => roundTo("bf16", Math.fround(x))));
    assert.ok((t0.data as number[]).some((x, i) => x !== asBf16[i]), "bf16 rounding changed something");
  } finally {
    await f.close();
  }
});

test("written files are what the reference expects: compact JSON, space padding, offsets in order", async () => {
  const path = tmp();
  await writeSafetensors(path, [
    { name: "b", dtype: "F16", shape: [3], data: [1, 2, 3] },
    { name: "a", dtype: "F32", shape: [1], data: [0.5] },
  ], { metadata: { format: "pt" }, order: "safetensors" });
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const text = bytes.subarray(8, 8 + n).toString("utf8");
  // The reference sorts by dtype (F32 before F16), then name.
  assert.equal(text.trimEnd(), '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F16","shape":[3],"data_offsets":[4,10]}}');
  assert.equal((8 + n) % 8, 0);
  assert.equal(bytes.length, 8 + n + 10);
  assert.equal(bytes.readFloatLE(8 + n), 0.5);
  assert.throws(() => encodeHeader([{ name: "x", dtype: "F32", shape: [1], data: [1] }, { name: "x", dtype: "F32", shape: [1], data: [1] }]), /listed twice/);
  await assert.rejects(writeSafetensors(tmp(), [{ name: "x", dtype: "F32", shape: [2, 2], data: [1, 2, 3] }]), /has 4 elements but 3 values/);
});

// ----- header validation -------------------------------------------------------------------------

test("bad header lengths", async () => {
  const short = tmp("short");
  writeFileSync(short, new Uint8Array(5));
  assert.match((await problemsOf(short))[0]!, /file is 5 bytes; a safetensors file starts with an 8-byte header length/);
  assert.match((await problemsOf(rawFile("{}", undefined, 0n)))[0]!, /header length is 0/);
  assert.match((await problemsOf(rawFile("{}", undefined, BigInt(MAX_HEADER_BYTES) + 1n)))[0]!, /over the 100000000-byte limit/);
  assert.match((await problemsOf(rawFile("{}", undefined, 2n ** 63n)))[0]!, /over the 100000000-byte limit/);
  assert.match((await problemsOf(rawFile("{}", undefined, 4096n)))[0]!, /header length 4096 runs past the end of the file \(10 bytes\)/);
});

test("bad JSON: not UTF-8, not an object, not parseable", async () => {
  const bad = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
  const p = tmp("utf8");
  const out = new Uint8Array(12);
  new DataView(out.buffer).setBigUint64(0, 4n, true);
  out.set(bad, 8);
  writeFileSync(p, out);
  assert.match((await problemsOf(p))[0]!, /not valid UTF-8/);
  assert.match((await problemsOf(rawFile('{"a": ')))[0]!, /header is not valid JSON/);
  assert.match((await problemsOf(rawFile("[1, 2]")))[0]!, /does not start with '\{'/);
  assert.match((await problemsOf(rawFile('{"a": 1}')))[0]!, /tensor 'a': entry is not an object/);
  assert.match((await problemsOf(rawFile({ __metadata__: { format: 1 } })))[0]!, /__metadata__ is not a map of strings/);
  // Trailing spaces (the reference's padding) are fine.
  const ok = await readHeader(rawFile('{"__metadata__":{"format":"pt"}}      '));
  assert.deepEqual(ok.tensors, []);
});

test("unknown and unsupported dtypes, bad shapes and offsets", async () => {
  assert.match((await problemsOf(rawFile({ a: { dtype: "F99", shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4))))[0]!, /tensor 'a': dtype 'F99' is not a safetensors dtype \(supported: F32, F16, BF16, I64, I32\)/);
  assert.match((await problemsOf(rawFile({ a: { dtype: "F64", shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8))))[0]!, /dtype 'F64' is not supported/);
  assert.match((await problemsOf(rawFile({ a: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4))))[0]!, /dtype is missing/);
  assert.match((await problemsOf(rawFile({ a: { dtype: "F32", shape: [2, -1], data_offsets: [0, 8] } }, new Uint8Array(8))))[0]!, /shape \[2,-1\] is not a list of non-negative integers/);
  assert.match((await problemsOf(rawFile({ a: { dtype: "F32", shape: [2.5], data_offsets: [0, 8] } }, new Uint8Array(8))))[0]!, /shape \[2.5\]/);
  assert.match((await problemsOf(rawFile({ a: { dtype: "F32", shape: [1], data_offsets: [0] } }, new Uint8Array(4))))[0]!, /data_offsets \[0\] is not \[begin, end\]/);
  assert.match((await problemsOf(rawFile({ a: { dtype: "F32", shape: [1], data_offsets: [8, 4] } }, new Uint8Array(8))))[0]!, /data_offsets \[8, 4\] end before they begin/);
  assert.match((await problemsOf(rawFile({ a: { dtype: "F32", shape: [1], data_offsets: [-4, 0] } }, new Uint8Array(4))))[0]!, /data_offsets \[-4,0\] is not \[begin, end\]/);
  assert.match((await problemsOf(rawFile({ a: { dtype: "F32", shape: [1], data_offsets: [0, 2 ** 60] } }, new Uint8Array(4))))[0]!, /data_offsets \[0,1152921504606847000\] is not \[begin, end\]/);
  // Offsets past the end of the data are a truncated file: the header reads, the tensor does not.
  const past = await readHeader(rawFile({ ...f32("a", [1], 0), ...f32("b", [1000], 4) }, new Uint8Array(8)));
  assert.deepEqual(past.truncated.map((t) => t.name), ["b"]);
});

test("size mismatch, overlap, gap and bytes after the data", async () => {
  assert.match((await problemsOf(rawFile({ a: { dtype: "F32", shape: [2, 2], data_offsets: [0, 12] } }, new Uint8Array(12))))[0]!, /tensor 'a': F32\[2, 2\] takes 16 bytes but data_offsets \[0, 12\] hold 12/);
  assert.match((await problemsOf(rawFile({ ...f32("a", [4], 0), ...f32("b", [4], 8) }, new Uint8Array(24))))[0]!, /tensor 'b' \[8, 24\) overlaps tensor 'a' \[0, 16\)/);
  assert.match((await problemsOf(rawFile({ ...f32("a", [4], 0), ...f32("b", [4], 20) }, new Uint8Array(36))))[0]!, /bytes \[16, 20\) before tensor 'b' belong to no tensor/);
  assert.match((await problemsOf(rawFile({ ...f32("a", [4], 4) }, new Uint8Array(20))))[0]!, /bytes \[0, 4\) before tensor 'a'/);
  assert.match((await problemsOf(rawFile(f32("a", [2], 0), new Uint8Array(12))))[0]!, /4 bytes after the last tensor's data belong to no tensor/);
  // Tensors listed out of offset order are fine, and so are empty ones.
  const h = await readHeader(rawFile({ ...f32("b", [2], 8), ...f32("a", [2], 0), ...f32("e", [0, 3], 16) }, new Uint8Array(16)));
  assert.deepEqual(h.tensors.map((t) => t.name), ["b", "a", "e"]);
  assert.equal(h.dataLength, 16);
});

test("every problem of a header is reported at once", async () => {
  const problems = await problemsOf(rawFile({
    a: { dtype: "Q8", shape: [4], data_offsets: [0, 4] },
    b: { dtype: "F32", shape: [3], data_offsets: [4, 12] },
    ...f32("c", [2], 12),
    ...f32("d", [2], 16),
  }, new Uint8Array(24)));
  assert.equal(problems.length, 3, problems.join("\n"));
  assert.match(problems[0]!, /'a': dtype 'Q8'/);
  assert.match(problems[1]!, /'b': F32\[3\] takes 12 bytes/);
  assert.match(problems[2]!, /'d' \[16, 24\) overlaps tensor 'c' \[12, 20\)/);
  await assert.rejects(
    readHeader(rawFile({ a: { dtype: "Q8", shape: [1], data_offsets: [0, 1] }, b: { dtype: "Q9", shape: [1], data_offsets: [1, 2] } }, new Uint8Array(2))),
    /: 2 problems:\n {2}- tensor 'a'.*\n {2}- tensor 'b'/,
  );
});

test("a truncated file: its header reads, intact tensors read, the cut one fails naming itself", async () => {
  const path = tmp("cut");
  const tensors: TensorToWrite[] = [
    { name: "first", dtype: "F32", shape: [4], data: [1, 2, 3, 4] },
    { name: "second", dtype: "F32", shape: [4], data: [5, 6, 7, 8] },
    { name: "third", dtype: "F16", shape: [2], data: [9, 10] },
  ];
  const size = await writeSafetensors(path, tensors);
  truncateSync(path, size - 10); // cuts 'third' (4 bytes) and half of 'second'
  const f = await SafetensorsFile.open(path);
  try {
    assert.deepEqual(f.header.truncated.map((t) => t.name), ["second", "third"]);
    assert.deepEqual([...(await f.read("first", "f64"))], [1, 2, 3, 4]);
    await assert.rejects(f.read("second", "f64"), (e: Error) => {
      assert.ok(e instanceof CheckpointError);
      assert.match(e.message, /cannot read tensor 'second': file is truncated: tensor 'second' needs bytes \[16, 32\) of the data region but it has only 26 of 36 bytes \(and 1 more after it\)/);
      return true;
    });
  } finally {
    await f.close();
  }
});

// ----- streaming ---------------------------------------------------------------------------------

/** A value per element that costs nothing to recompute: exact in f32. */
const valueAt = (tensor: number, i: number) => ((i * 2654435761 + tensor * 40503) % 65536) - 32768;

test("streaming: a 64 MiB file is written and read back in chunks with little memory", async () => {
  const MiB = 1 << 20;
  const tensors = 4, perTensor = (16 * MiB) / 4; // 4 × 16 MiB of F32
  const path = tmp("big");
  let peak = 0;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().rss;
  // The source reuses one buffer: the writer consumes each range before asking for the next.
  const scratch = new Float32Array(MiB / 4);
  const list: TensorToWrite[] = Array.from({ length: tensors }, (_, t) => ({
    name: `w${t}`,
    dtype: "F32",
    shape: [perTensor / 1024, 1024],
    data: (start: number, count: number) => {
      sample();
      for (let i = 0; i < count; i++) scratch[i] = valueAt(t, start + i);
      return scratch;
    },
  }));
  const size = await writeSafetensors(path, list, { chunkBytes: MiB });
  assert.ok(size > 64 * MiB);
  const writeGrowth = peak - base;

  peak = 0;
  const f = await SafetensorsFile.open(path);
  let checked = 0;
  try {
    for (let t = 0; t < tensors; t++) {
      await f.readChunks(`w${t}`, "f32", (v, start) => {
        sample();
        for (let i = 0; i < v.length; i += 997) assert.equal(v[i], valueAt(t, start + i));
        assert.equal(v[v.length - 1], valueAt(t, start + v.length - 1));
        checked += v.length;
      }, { chunkBytes: MiB });
    }
  } finally {
    await f.close();
  }
  const readGrowth = peak - base;
  assert.equal(checked, tensors * perTensor);
  console.log(`# streaming 64 MiB: RSS grew ${(writeGrowth / MiB).toFixed(1)} MiB writing, ${(readGrowth / MiB).toFixed(1)} MiB reading`);
  // Holding the file would take 64 MiB (128 MiB as float64); chunks take a few MiB.
  assert.ok(writeGrowth < 24 * MiB, `writing grew RSS by ${(writeGrowth / MiB).toFixed(1)} MiB`);
  assert.ok(readGrowth < 24 * MiB, `reading grew RSS by ${(readGrowth / MiB).toFixed(1)} MiB`);
});
