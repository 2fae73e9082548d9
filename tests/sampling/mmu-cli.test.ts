// `showo understand`, run as a child process on the golden showo-tiny + magvit2-tiny weights:
// --ids/--tokens-out (the contract other programs drive) reproduces the PyTorch greedy tokens of
// tests/golden/mmu.py for a batch of prompts of different lengths; --image/--question answers with
// streamed text; bad input fails with a message that says what is wrong. `showo demo --block`
// still runs the Phi-block demo.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { fileURLToPath } from "node:url";
import { writePng } from "../../runtime/image.ts";
import { fixturePath, goldenIndex } from "../golden/fixtures.ts";
import { mulberry32, testSeed } from "../util/random.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "showo-understand-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const index = goldenIndex();
const weights = fixturePath(index.showo.weights), vqWeights = fixturePath(index.magvit2.weights);
const gold = JSON.parse(readFileSync(new URL("../golden/mmu-fixtures/mmu_greedy.json", import.meta.url), "utf8")) as { max_new_tokens: number; cases: { ids: number[]; tokens: number[] }[] };

function showo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("showo understand --ids --tokens-out: PyTorch's greedy tokens for a ragged batch, as a JSON array of arrays", () => {
  const ids = join(dir, "ids.json"), out = join(dir, "out.json");
  writeFileSync(ids, JSON.stringify(gold.cases.map((c) => c.ids)));
  const r = showo("understand", "--model", "showo-tiny", "--weights", weights, "--ids", ids, "--max-new-tokens", String(gold.max_new_tokens), "--tokens-out", out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote 3 rows of generated ids/);
  assert.match(r.stderr, /tokens\/s/);
  assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), gold.cases.map((c) => c.tokens));
});

test("showo understand --image --question: an answer streamed to stdout; bad input fails clearly", () => {
  const rng = mulberry32(testSeed());
  const W = 23, H = 19, data = Float32Array.from({ length: 3 * W * H }, () => Math.floor(rng() * 256));
  const png = join(dir, "in.png");
  writePng(png, { channels: 3, height: H, width: W, data });
  const common = ["understand", "--model", "showo-tiny", "--weights", weights];
  const r = showo(...common, "--vq-weights", vqWeights, "--image", png, "--question", "What is in this picture?", "--max-new-tokens", "4");
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.trim().length > 0, "an answer was printed");
  assert.match(r.stderr, /showo-tiny: 4 tokens for 1 row\(s\).*KV cache, greedy/);
  const noVq = showo(...common, "--image", png, "--question", "q");
  assert.notEqual(noVq.status, 0);
  assert.match(noVq.stderr, /magvit2-tiny has no shipped weights: give --vq-weights FILE/);
  const both = showo(...common, "--image", png, "--question", "q", "--ids", png);
  assert.match(both.stderr, /either --ids or --image/);
  const badTopP = showo(...common, "--ids", join(dir, "ids.json"), "--top-p", "2", "--max-new-tokens", "1");
  assert.match(badTopP.stderr, /top-p must be in \(0, 1\]/);
});

test("showo demo --block: the Phi-block demo still checks gradients", () => {
  const r = showo("demo", "--block", "--seq", "6");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ok: largest relative error/);
});
