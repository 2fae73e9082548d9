// Key maps and checkpoint loading: the released Show-o and MAGVIT-v2 tensor names (generated here
// from the tables in docs/showo.md, and compared with our modules' parameters), full-size
// header-only files that are inspected and mapped without any data, and small checkpoints that
// load (f16/bf16 converted to the parameters' f32) or fail with every problem listed.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { formatInspect, inspectCheckpoint } from "../../cli/commands/inspect.ts";
import { roundTo } from "../../compiler/ir/ref.ts";
import { MAGVIT2, Magvit2 } from "../../models/magvit2.ts";
import { SHOWO_256, Showo } from "../../models/showo.ts";
import type { StDType } from "../../runtime/weights/dtypes.ts";
import { MAGVIT2_KEYMAP, SHOWO_KEYMAP, detectKeyMap, keyMapFor } from "../../runtime/weights/keymap.ts";
import type { ExpectedTensor } from "../../runtime/weights/load.ts";
import { loadWeights, openWeights, resolveCheckpoint } from "../../runtime/weights/load.ts";
import { CheckpointError, readHeader } from "../../runtime/weights/safetensors.ts";
import type { TensorToWrite } from "../../runtime/weights/safetensors-write.ts";
import { encodeHeader, safetensorsOrder, writeSafetensors } from "../../runtime/weights/safetensors-write.ts";
import { mulberry32, normal, testSeed } from "../util/random.ts";

const dir = mkdtempSync(join(tmpdir(), "showo-keymap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Spec = [name: string, shape: number[]][];
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const count = (spec: Spec) => spec.reduce((n, [, s]) => n + numel(s), 0);

/** Show-o's tensors as the checkpoint-format table lists them (keys carry the `showo.` prefix). */
function showoSpec(d: { vocab: number; hidden: number; mlp: number; headDim: number; layers: number }): Spec {
  const out: Spec = [];
  const add = (name: string, shape: number[]) => out.push([`showo.${name}`, shape]);
  add("model.embed_tokens.weight", [d.vocab, d.hidden]);
  for (let i = 0; i < d.layers; i++) {
    const p = `model.layers.${i}`;
    add(`${p}.input_layernorm.weight`, [d.hidden]);
    add(`${p}.input_layernorm.bias`, [d.hidden]);
    for (const n of ["q_proj", "k_proj", "v_proj", "dense"]) {
      add(`${p}.self_attn.${n}.weight`, [d.hidden, d.hidden]);
      add(`${p}.self_attn.${n}.bias`, [d.hidden]);
    }
    for (const n of ["q_layernorm", "k_layernorm"]) {
      add(`${p}.self_attn.${n}.weight`, [d.headDim]);
      add(`${p}.self_attn.${n}.bias`, [d.headDim]);
    }
    add(`${p}.mlp.fc1.weight`, [d.mlp, d.hidden]);
    add(`${p}.mlp.fc1.bias`, [d.mlp]);
    add(`${p}.mlp.fc2.weight`, [d.hidden, d.mlp]);
    add(`${p}.mlp.fc2.bias`, [d.hidden]);
  }
  add("model.final_layernorm.weight", [d.hidden]);
  add("model.final_layernorm.bias", [d.hidden]);
  add("lm_head.weight", [d.vocab, d.hidden]);
  add("lm_head.bias", [d.vocab]);
  return out;
}

const SHOWO_1_3B = { vocab: 58498, hidden: 2048, mlp: 8192, headDim: 64, layers: 24 };

/** MAGVIT-v2's tensors from its architecture tables (taming-style encoder/decoder, 13-bit LFQ). */
function magvitSpec(): Spec {
  const out: Spec = [];
  const conv = (p: string, cout: number, cin: number, k: number) => out.push([`${p}.weight`, [cout, cin, k, k]], [`${p}.bias`, [cout]]);
  const norm = (p: string, c: number) => out.push([`${p}.weight`, [c]], [`${p}.bias`, [c]]);
  const res = (p: string, cin: number, cout: number) => {
    norm(`${p}.norm1`, cin);
    conv(`${p}.conv1`, cout, cin, 3);
    norm(`${p}.norm2`, cout);
    conv(`${p}.conv2`, cout, cout, 3);
    if (cin !== cout) conv(`${p}.nin_shortcut`, cout, cin, 1);
  };
  const mid = (p: string, c: number) => {
    res(`${p}.block_1`, c, c);
    norm(`${p}.attn_1.norm`, c);
    for (const n of ["q", "k", "v", "proj_out"]) conv(`${p}.attn_1.${n}`, c, c, 1);
    res(`${p}.block_2`, c, c);
  };
  const ch = 128, z = 13;
  conv("encoder.conv_in", ch, 3, 3);
  let cin = ch;
  [1, 2, 2, 4, 4].forEach((m, i) => {
    const cout = ch * m;
    for (let j = 0; j < [4, 3, 4, 3, 4][i]!; j++) res(`encoder.down.${i}.block.${j}`, j === 0 ? cin : cout, cout);
    cin = cout;
    if (i < 4) conv(`encoder.down.${i}.downsample.conv`, cout, cout, 3);
  });
  mid("encoder.mid", cin);
  norm("encoder.norm_out", cin);
  conv("encoder.conv_out", z, cin, 3);
  conv("encoder.quant_conv", z, z, 1);
  conv("decoder.post_quant_conv", z, z, 1);
  conv("decoder.conv_in", 512, z, 3);
  mid("decoder.mid", 512);
  cin = 512;
  for (let i = 4; i >= 0; i--) {
    const cout = ch * [1, 1, 2, 2, 4][i]!;
    for (let j = 0; j < [4, 4, 3, 4, 3][i]!; j++) res(`decoder.up.${i}.block.${j}`, j === 0 ? cin : cout, cout);
    cin = cout;
    if (i > 0) conv(`decoder.up.${i}.upsample.conv`, cout, cout, 3);
  }
  norm("decoder.norm_out", cin);
  conv("decoder.conv_out", 3, cin, 3);
  return out;
}

const headerOnly = (spec: Spec): TensorToWrite[] => spec.map(([name, shape]) => ({ name, dtype: "F32", shape, data: [] }));
const sortedNames = (xs: Iterable<string>) => [...xs].sort();

// ----- Show-o, full size -------------------------------------------------------------------------

test("Show-o names: 437 tensors, 1,448,176,770 parameters, a header exactly the hub file's size", () => {
  const spec = showoSpec(SHOWO_1_3B);
  assert.equal(spec.length, 437);
  assert.equal(count(spec), 1_448_176_770);
  // Written as PyTorch's safetensors writes (sorted, metadata {"format": "pt"}), header + data is
  // 5,792,758,016 bytes: the size of showlab/show-o's pytorch_model.safetensors to the byte. The
  // header's length depends on every name and offset, so this checks the inferred names.
  const header = encodeHeader(safetensorsOrder(headerOnly(spec)), { format: "pt" });
  assert.equal(header.length + 4 * count(spec), 5_792_758_016);
});

test("a header-only Show-o 1.3B file: inspected and mapped without data; loading names the first cut tensor", async () => {
  const spec = showoSpec(SHOWO_1_3B);
  const folder = join(dir, "show-o");
  mkdirSync(folder);
  const file = join(folder, "pytorch_model.safetensors");
  const note = "HEADER ONLY: no tensor data. Names and shapes of showlab/show-o (docs/showo.md), for tests.";
  await writeSafetensors(file, headerOnly(spec), { metadata: { format: "pt", note }, order: "safetensors", headerOnly: true });
  const config = { _class_name: "Showo", codebook_size: 8192, llm_vocab_size: 50295, mask_token_id: 58497, num_vq_tokens: 256, vocab_size: 58498, w_clip_vit: false };
  writeFileSync(join(folder, "config.json"), JSON.stringify(config));

  const h = await readHeader(file);
  assert.equal(h.tensors.length, 437);
  assert.equal(h.dataLength, 4 * 1_448_176_770);
  assert.equal(h.fileSize, h.dataStart, "no data region");
  assert.equal(h.truncated.length, 437);
  assert.equal(h.metadata?.["note"], note);

  // Every tensor maps to the parameter a showo-256 model has, with its shape.
  const keyMap = detectKeyMap(h.tensors.map((t) => t.name));
  assert.equal(keyMap, SHOWO_KEYMAP);
  const mapped = new Map<string, readonly number[]>();
  for (const t of h.tensors) {
    const target = keyMap.map(t.name);
    assert.ok(target?.kind === "param", `${t.name} maps to a parameter`);
    assert.equal(target.name, t.name.slice("showo.".length));
    mapped.set(target.name, t.shape);
  }
  const model = new Showo(SHOWO_256).namedParameters();
  assert.equal(model.length, 437);
  assert.deepEqual(sortedNames(mapped.keys()), sortedNames(model.map((p) => p.name)));
  for (const p of model) assert.deepEqual(mapped.get(p.name), p.shape, p.name);

  // inspect: the folder resolves to its weights file and config.
  const r = await inspectCheckpoint(folder);
  assert.equal(r.model, "showo");
  assert.equal(r.rows.length, 437);
  assert.ok(r.rows.every((x) => x.mapsTo === x.name.slice("showo.".length)));
  assert.deepEqual(r.config, config);
  const text = formatInspect(r);
  assert.match(text, /437 tensors, 5,792,707,080 bytes of data/);
  assert.match(text, /showo\.model\.layers\.10\.mlp\.fc1\.weight\s+F32\s+\[8192, 2048\]\s+67,108,864\s+model\.layers\.10\.mlp\.fc1\.weight/);
  assert.match(text, /total: 437 tensors, 1,448,176,770 elements, 5,792,707,080 bytes; 437 mapped, 0 ignored, 0 unmapped/);
  assert.match(text, /the data region is absent \(a header-only file\)/);
  // Natural order: layers.2 before layers.10.
  const names = r.rows.map((x) => x.name);
  assert.ok(names.indexOf("showo.model.layers.2.mlp.fc1.bias") < names.indexOf("showo.model.layers.10.mlp.fc1.bias"));

  // Loading fails before reading anything, naming the first tensor in the file that has no data.
  const expected: ExpectedTensor[] = model;
  await assert.rejects(openWeights(folder, expected, SHOWO_KEYMAP), (e: Error) => {
    assert.ok(e instanceof CheckpointError, String(e));
    assert.equal(e.problems.length, 1, e.message);
    assert.match(e.problems[0]!, /file is truncated: tensor 'showo\.lm_head\.bias' needs bytes \[0, 233992\) of the data region but it has only 0 of 5792707080 bytes \(and 436 more after it\)/);
    return true;
  });
});

test("Show-o key map: with or without the prefix; CLIP projector and rotary caches ignored; others unknown", () => {
  const m = keyMapFor("showo");
  assert.deepEqual(m.map("model.layers.0.self_attn.q_layernorm.bias"), { kind: "param", name: "model.layers.0.self_attn.q_layernorm.bias" });
  assert.deepEqual(m.map("showo.lm_head.weight"), { kind: "param", name: "lm_head.weight" });
  for (const k of ["mm_projector.0.weight", "mm_projector.2.bias", "showo.mm_projector.0.bias"]) assert.equal(m.map(k)?.kind, "ignored", k);
  assert.match((m.map("mm_projector.0.weight") as { reason: string }).reason, /CLIP-ViT projector/);
  assert.equal(m.map("showo.model.layers.3.self_attn.rotary_emb.inv_freq")?.kind, "ignored");
  for (const k of ["showo.model.layers.0.self_attn.o_proj.weight", "showo.model.embed_tokens.bias", "showo.model.layers.0.post_attention_layernorm.weight", "vision_tower.x", "showo.showo.lm_head.bias", "encoder.conv_in.weight"]) {
    assert.equal(m.map(k), undefined, k);
  }
  assert.throws(() => detectKeyMap(["a.b", "c"]), /cannot tell which model/);
  assert.throws(() => keyMapFor("clip"), /unknown model 'clip'/);
});

// ----- MAGVIT-v2, full size ----------------------------------------------------------------------

test("MAGVIT-v2 names: encoder 55,439,171 and decoder 39,947,833 parameters, all mapped, equal to our module's", async () => {
  const spec = magvitSpec();
  assert.equal(count(spec.filter(([n]) => n.startsWith("encoder."))), 55_439_171);
  assert.equal(count(spec.filter(([n]) => n.startsWith("decoder."))), 39_947_833);
  const model = new Magvit2(MAGVIT2).namedParameters();
  assert.deepEqual(sortedNames(spec.map(([n]) => n)), sortedNames(model.map((p) => p.name)));
  const shapes = new Map(spec);
  for (const p of model) assert.deepEqual(shapes.get(p.name), p.shape, p.name);

  const file = join(dir, "magvit2.safetensors");
  const buffers: TensorToWrite[] = [
    { name: "quantize.embedding", dtype: "F32", shape: [8192, 13], data: [] },
    { name: "quantize.power_vals", dtype: "I64", shape: [13], data: [] },
  ];
  await writeSafetensors(file, [...headerOnly(spec), ...buffers], { order: "safetensors", headerOnly: true, metadata: { note: "HEADER ONLY: no tensor data" } });
  const r = await inspectCheckpoint(file);
  assert.equal(r.model, "magvit2");
  assert.equal(r.rows.filter((x) => x.mapsTo === x.name).length, spec.length);
  assert.deepEqual(r.rows.filter((x) => x.mapsTo.startsWith("checked: ")).map((x) => x.name), ["quantize.embedding", "quantize.power_vals"]);
  assert.match(formatInspect(r), /; \d+ mapped, 2 ignored, 0 unmapped/);
  for (const [n] of spec) assert.deepEqual(MAGVIT2_KEYMAP.map(n), { kind: "param", name: n });
  for (const k of ["encoder.down.0.attn.0.q.weight", "decoder.up.0.block.0.norm1.gamma", "quantize.codebook", "showo.lm_head.bias"]) assert.equal(MAGVIT2_KEYMAP.map(k), undefined, k);
});

// ----- loading small checkpoints -----------------------------------------------------------------

const TINY = { vocab: 11, hidden: 8, mlp: 16, headDim: 4, layers: 2 };

/** Model-side parameters for a spec: our names (no prefix), f32. */
const expectedOf = (spec: Spec): ExpectedTensor[] => spec.map(([n, shape]) => ({ name: n.replace(/^showo\./, ""), dtype: "f32", shape }));

function randomTensors(spec: Spec, seed: number, dtypeOf: (i: number) => StDType): TensorToWrite[] {
  const rng = mulberry32(seed);
  return spec.map(([name, shape], i) => ({ name, dtype: dtypeOf(i), shape, data: Array.from({ length: numel(shape) }, () => normal(rng)) }));
}

const stored = (t: TensorToWrite) => Array.from(t.data as number[], (x) => (t.dtype === "F16" ? Math.f16round(x) : t.dtype === "BF16" ? roundTo("bf16", Math.fround(x)) : Math.fround(x)));

test("loading a small Show-o checkpoint: prefixed keys, F16/BF16 converted to f32 parameters, projector ignored", async () => {
  const seed = testSeed();
  const spec = showoSpec(TINY);
  const tensors = randomTensors(spec, seed, (i) => (["F32", "F16", "BF16"] as const)[i % 3]!);
  const projector: TensorToWrite = { name: "mm_projector.0.weight", dtype: "F32", shape: [8, 4], data: Array.from({ length: 32 }, (_, i) => i) };
  const folder = join(dir, "tiny-showo");
  mkdirSync(folder);
  await writeSafetensors(join(folder, "pytorch_model.safetensors"), [...tensors, projector], { order: "safetensors" });
  writeFileSync(join(folder, "config.json"), JSON.stringify({ vocab_size: 11 }));
  assert.deepEqual(resolveCheckpoint(folder).config, { vocab_size: 11 });

  const expected = expectedOf(spec);
  const weights = await loadWeights(folder, expected, SHOWO_KEYMAP);
  assert.deepEqual(sortedNames(Object.keys(weights)), sortedNames(expected.map((p) => p.name)));
  for (const t of tensors) {
    const w = weights[t.name.slice("showo.".length)]!;
    assert.equal(w.dtype, "f32");
    assert.deepEqual(w.shape, t.shape);
    assert.deepEqual([...w.data], stored(t), `seed ${seed}: ${t.name} (${t.dtype})`);
  }
  // The device path: Float32Array per parameter, same values.
  const r = await openWeights(folder, expected, SHOWO_KEYMAP);
  try {
    const t = tensors[1]!;
    assert.equal(r.source(t.name.slice(6)).dtype, "F16");
    assert.deepEqual([...(await r.readF32(t.name.slice(6)))], stored(t));
  } finally {
    await r.close();
  }
  // Parameters declared bf16 get bf16-rounded values from an F32 tensor.
  const f32 = tensors.find((t) => t.dtype === "F32" && numel(t.shape) > 4)!;
  const name = f32.name.slice(6);
  const asBf16 = await loadWeights(folder, expected.map((p) => (p.name === name ? { ...p, dtype: "bf16" } : p)), SHOWO_KEYMAP);
  assert.equal(asBf16[name]!.dtype, "bf16");
  assert.deepEqual([...asBf16[name]!.data], stored(f32).map((x) => roundTo("bf16", x)));
});

test("loading reports every problem together: missing, unknown, mis-shaped, duplicated, wrong kind, truncated", async () => {
  const spec = showoSpec(TINY);
  const tensors = randomTensors(spec, testSeed(), () => "F32").filter((t) => t.name !== "showo.model.final_layernorm.bias");
  const fc1 = tensors.findIndex((t) => t.name === "showo.model.layers.1.mlp.fc1.weight");
  tensors[fc1] = { ...tensors[fc1]!, shape: [TINY.hidden, TINY.mlp] }; // transposed
  const ln = tensors.findIndex((t) => t.name === "showo.model.layers.0.input_layernorm.weight");
  tensors[ln] = { ...tensors[ln]!, dtype: "I32", data: Array.from({ length: TINY.hidden }, (_, i) => i) };
  tensors.push({ name: "showo.model.layers.0.self_attn.o_proj.weight", dtype: "F32", shape: [2, 2], data: [1, 2, 3, 4] });
  tensors.push({ name: "lm_head.bias", dtype: "F32", shape: [TINY.vocab], data: Array.from({ length: TINY.vocab }, (_, i) => i) });
  const file = join(dir, "broken.safetensors");
  const size = await writeSafetensors(file, tensors);
  truncateSync(file, size - 1); // the last tensor ("lm_head.bias") loses its last byte

  await assert.rejects(loadWeights(file, expectedOf(spec), SHOWO_KEYMAP), (e: Error) => {
    assert.ok(e instanceof CheckpointError, String(e));
    const text = e.problems.join("\n");
    assert.equal(e.problems.length, 6, text);
    assert.match(text, /'showo\.model\.layers\.0\.input_layernorm\.weight' → 'model\.layers\.0\.input_layernorm\.weight': I32 in the checkpoint cannot load into a f32 parameter/);
    assert.match(text, /'showo\.model\.layers\.1\.mlp\.fc1\.weight' → 'model\.layers\.1\.mlp\.fc1\.weight': shape \[8, 16\] in the checkpoint, the model expects \[16, 8\]/);
    assert.match(text, /unexpected tensor 'showo\.model\.layers\.0\.self_attn\.o_proj\.weight' F32\[2, 2\]: not a showo parameter/);
    assert.match(text, /'showo\.lm_head\.bias' and 'lm_head\.bias' both map to 'lm_head\.bias'/);
    assert.match(text, /missing tensor for parameter 'model\.final_layernorm\.bias' f32\[8\]/);
    assert.match(text, /file is truncated: tensor 'lm_head\.bias' needs bytes/);
    assert.match(e.message, /: 6 problems:\n/);
    return true;
  });
});

test("MAGVIT-v2 buffers: checked against the LFQ bit order when present, then ignored", async () => {
  const conv: TensorToWrite[] = [
    { name: "encoder.conv_in.weight", dtype: "F32", shape: [4, 3, 3, 3], data: Array.from({ length: 108 }, (_, i) => i / 7) },
    { name: "encoder.conv_in.bias", dtype: "F32", shape: [4], data: [1, -2, 3, -4] },
  ];
  const expected: ExpectedTensor[] = conv.map((t) => ({ name: t.name, dtype: "f32", shape: t.shape }));
  const embedding = (msbFirst: boolean): TensorToWrite => ({
    name: "quantize.embedding",
    dtype: "F32",
    shape: [8192, 13],
    data: (start, n) => Array.from({ length: n }, (_, k) => {
      const i = start + k, code = Math.floor(i / 13), c = i % 13;
      return 2 * ((code >> (msbFirst ? 12 - c : c)) & 1) - 1;
    }),
  });
  const powers: TensorToWrite = { name: "quantize.power_vals", dtype: "I64", shape: [13], data: Array.from({ length: 13 }, (_, c) => 2 ** (12 - c)) };

  const good = join(dir, "magvit-good.safetensors");
  await writeSafetensors(good, [...conv, embedding(true), powers]);
  const w = await loadWeights(good, expected, MAGVIT2_KEYMAP);
  assert.deepEqual(Object.keys(w).sort(), ["encoder.conv_in.bias", "encoder.conv_in.weight"]);
  assert.deepEqual([...w["encoder.conv_in.bias"]!.data], [1, -2, 3, -4]);
  // Absent buffers are fine too.
  const bare = join(dir, "magvit-bare.safetensors");
  await writeSafetensors(bare, conv);
  assert.equal(Object.keys(await loadWeights(bare, expected, MAGVIT2_KEYMAP)).length, 2);

  const lsb = join(dir, "magvit-lsb.safetensors");
  await writeSafetensors(lsb, [...conv, embedding(false), { ...powers, data: Array.from({ length: 13 }, (_, c) => 2 ** c) }]);
  await assert.rejects(loadWeights(lsb, expected, MAGVIT2_KEYMAP), (e: Error) => {
    assert.ok(e instanceof CheckpointError);
    assert.equal(e.problems.length, 2, e.message);
    assert.match(e.problems[0]!, /'quantize\.embedding' \(LFQ codebook; recomputed\): \[1, 0\] is 1, the LFQ codebook \(channel 0 = most significant bit\) has -1/);
    assert.match(e.problems[1]!, /'quantize\.power_vals' \(LFQ bit weights; recomputed\): \[0\] is 1, expected 4096/);
    return true;
  });
  const badShape = join(dir, "magvit-shape.safetensors");
  await writeSafetensors(badShape, [...conv, { ...powers, shape: [12], data: Array.from({ length: 12 }, (_, c) => 2 ** (11 - c)) }]);
  await assert.rejects(loadWeights(badShape, expected, MAGVIT2_KEYMAP), /'quantize\.power_vals': shape \[12\] in the checkpoint, expected \[13\]/);
});
