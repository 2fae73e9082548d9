// A checkpoint of ours records the config it was trained with (safetensors metadata `config`).
// Loading it into a model whose config differs must fail, naming the fields: GroupNorm's groups
// shape no tensor, so a tokenizer trained with `sizes: {groups: 1}` used to load into the
// registered magvit2-shapes (32 groups) and compute wrong codes without a word.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { MAGVIT2_SHAPES, Magvit2 } from "../../models/magvit2.ts";
import { writeNpy } from "../../runtime/npy.ts";
import { writeTensorsAtomic } from "../../runtime/training/checkpoint.ts";
import { CheckpointError, MAGVIT2_KEYMAP, configMismatch, loadWeights, readHeader } from "../../runtime/weights/index.ts";
import { weightsFor } from "../../runtime/weights/shipped.ts";

const root = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "showo-weights-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shipped = weightsFor("magvit2-shapes", undefined, "--vq-weights");
const expected = new Magvit2(MAGVIT2_SHAPES).namedParameters();

test("weights config: the shipped tokenizer records its config and loads into the registered one", async () => {
  const meta = (await readHeader(shipped)).metadata;
  assert.equal(JSON.parse(meta!["config"]!).groups, MAGVIT2_SHAPES.groups);
  assert.equal(configMismatch(meta, MAGVIT2_SHAPES), "");
  const w = await loadWeights(shipped, expected, MAGVIT2_KEYMAP, { config: MAGVIT2_SHAPES });
  assert.equal(Object.keys(w).length, expected.length);
  // No recorded config (a released checkpoint): nothing to compare.
  assert.equal(configMismatch(undefined, MAGVIT2_SHAPES), "");
  assert.equal(configMismatch({ format: "pt" }, MAGVIT2_SHAPES), "");
});

test("weights config: a checkpoint trained with other groups is refused, with the field, by the loader and by the CLI", async () => {
  const file = join(dir, "groups1.safetensors");
  const w = await loadWeights(shipped, expected, MAGVIT2_KEYMAP);
  const g1 = { ...MAGVIT2_SHAPES, name: "magvit2-shapes+groups=1", groups: 1 };
  await writeTensorsAtomic(file, w, { format: "pt", model: "magvit2-shapes", config: JSON.stringify(g1) });

  await assert.rejects(loadWeights(file, expected, MAGVIT2_KEYMAP, { config: MAGVIT2_SHAPES }), (e: unknown) => {
    assert.ok(e instanceof CheckpointError);
    assert.match(e.message, /groups1\.safetensors: it was trained as magvit2-shapes\+groups=1, which differs from magvit2-shapes in groups 1 \(the model: 32\)/);
    return true;
  });
  // Into the config it was trained as, it loads.
  const back = await loadWeights(file, new Magvit2(g1).namedParameters(), MAGVIT2_KEYMAP, { config: g1 });
  assert.equal(Object.keys(back).length, expected.length);
  // Metadata that is not JSON is named, not ignored.
  assert.match(configMismatch({ config: "{groups" }, MAGVIT2_SHAPES), /metadata 'config' is not JSON/);

  // The command refuses before compiling anything.
  const codes = join(dir, "codes.npy");
  writeNpy(codes, { shape: [1, 64], data: new Int32Array(64).fill(3) });
  const r = spawnSync(process.execPath, [join(root, "cli/main.ts"), "vq", "decode", "--weights", file, "--in", codes, "--out", join(dir, "out.npy")], { cwd: root, encoding: "utf8", timeout: 120_000 });
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, /differs from magvit2-shapes in groups 1 \(the model: 32\)/);
  assert.ok(!existsSync(join(dir, "out.npy")));
});
