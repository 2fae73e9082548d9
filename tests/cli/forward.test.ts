// `showo forward`, run as a child process on the golden showo-tiny weights: the logits it writes
// (float32 [B, L, V] .npy) agree with the PyTorch fixtures of tests/golden for the T2I, MMU and LM
// layouts, and bad input fails with a message that says what is wrong.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { fileURLToPath } from "node:url";
import { npyToFloat64, readNpy } from "../../runtime/npy.ts";
import { assertMaxNormClose, fixturePath, fixtureValues, gatherRows, goldenIndex, sliceLogits } from "../golden/fixtures.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "showo-forward-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const index = goldenIndex().showo;
const weights = fixturePath(index.weights);

function showo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function idsFile(name: string, rows: unknown): string {
  const p = join(dir, `${name}.json`);
  writeFileSync(p, JSON.stringify(rows));
  return p;
}

test("showo forward writes float32 [B, L, V] logits that agree with the PyTorch fixtures (t2i, mmu, lm)", () => {
  for (const [name, c] of Object.entries(index.cases)) {
    const out = join(dir, `${name}.npy`);
    const r = showo("forward", "--model", index.model, "--weights", weights, "--task", c.task, "--ids", fixturePath(`${name}.ids.json`), "--out", out);
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    assert.match(r.stdout, /wrote logits float32 \[\d+, \d+, 58498\]/);
    const npy = readNpy(out);
    assert.equal(npy.dtype, "f4");
    assert.deepEqual(npy.shape, [c.ids.length, c.ids[0]!.length, 58498]);
    const logits = { shape: npy.shape, data: npyToFloat64(npy) };
    assertMaxNormClose(gatherRows(logits, c.positions), fixtureValues(c.logits), 1e-4, `${name}: full-vocabulary logits`);
    if (c.image_logits) assertMaxNormClose(sliceLogits(logits, c.image_positions!, c.image_columns!), fixtureValues(c.image_logits), 1e-4, `${name}: image columns`);
  }
});

test("showo forward: unknown model, unknown task, bad ids and impossible layouts fail with clear messages", () => {
  const t2i = index.cases["t2i"]!.ids;
  const out = join(dir, "bad.npy");
  const fails = (args: string[], pattern: RegExp) => {
    const r = showo("forward", "--weights", weights, "--out", out, ...args);
    assert.equal(r.status, 1, `${args.join(" ")}: expected failure, got ${r.status} (${r.stdout})`);
    assert.match(r.stderr, pattern);
  };
  fails(["--model", "showo-7b", "--task", "t2i", "--ids", idsFile("ok", t2i)], /unknown model 'showo-7b' \(Show-o models: .*showo-tiny/);
  fails(["--model", "showo-tiny", "--task", "t2v", "--ids", idsFile("ok", t2i)], /unknown task 't2v' \(tasks: t2i, mmu, lm\)/);
  fails(["--model", "showo-tiny", "--task", "lm", "--ids", idsFile("oov", [[50256, 58498, 3]])], /row 0, position 1: id 58498 is outside the vocabulary \[0, 58498\)/);
  fails(["--model", "showo-tiny", "--task", "lm", "--ids", idsFile("neg", [[50256, -1]])], /id -1 is outside the vocabulary/);
  fails(["--model", "showo-tiny", "--task", "lm", "--ids", idsFile("ragged", [[1, 2, 3], [1, 2]])], /row 1 has 2 ids, row 0 has 3/);
  fails(["--model", "showo-tiny", "--task", "lm", "--ids", idsFile("flat", [1, 2, 3])], /row 0 is not an array/);
  fails(["--model", "showo-tiny", "--task", "lm", "--ids", idsFile("float", [[1, 2.5]])], /2\.5 is not an integer id/);
  const notJson = join(dir, "broken.json");
  writeFileSync(notJson, "[[1, 2,");
  fails(["--model", "showo-tiny", "--task", "lm", "--ids", notJson], /broken\.json: not valid JSON/);
  // An MMU row without [EOI], and a T2I row with text after [EOI]: Show-o's masks are undefined or differ.
  fails(["--model", "showo-tiny", "--task", "mmu", "--ids", idsFile("noeoi", [[50301, 50296, 50305, 50256]])], /row 0 is not a valid mmu layout.*no \[EOI\]/);
  fails(["--model", "showo-tiny", "--task", "t2i", "--ids", idsFile("tail", [[50300, 50256, 50296, 50305, 50297, 7]])], /row 0 is not a valid t2i layout.*follow \[EOI\]/);
});
