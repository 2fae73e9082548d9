// `showo compile --dump-after PASS|all --log`: the IR after each lowering pass and the rewrite log
// come from the pipeline lower() really runs (compiler/passes/lower-passes.ts), and the last dump
// is the graph the kernels were built from.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "vitest";
import { fileURLToPath } from "node:url";
import { runCompile } from "../../cli/commands/compile.ts";
import { print } from "../../compiler/ir/text.ts";
import { LOWER_PASS_NAMES } from "../../compiler/passes/lower-passes.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

function showo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The dumps in `text`, by pass, in order. */
function dumps(text: string): [string, string][] {
  return text.split(/^\/\/ ----- IR after /m).slice(1).map((chunk) => {
    const [head, ...rest] = chunk.split("\n");
    const body = rest.filter((l) => !l.startsWith("// ")).join("\n"); // drop the log lines between dumps
    return [head!.replace(/ -----$/, ""), body];
  });
}

test("compile --dump-after all prints the IR after every lowering pass; the last is the graph the kernels came from", async () => {
  const dir = mkdtempSync(join(tmpdir(), "showo-dump-"));
  try {
    let text = "";
    const r = await runCompile("showo-tiny", { target: "wgsl", out: dir, seq: 20, dumpAfter: "all", log: true, diagnostics: (s) => { text += s; } }, () => {});
    const ds = dumps(text);
    assert.deepEqual(ds.map(([p]) => p), [...LOWER_PASS_NAMES]);
    const after = new Map(ds);
    // (assert.ok rather than assert.match: a failure names the pass, not a whole model's IR)
    const has = (pass: string, re: RegExp, yes = true) => assert.equal(re.test(after.get(pass)!), yes, `after ${pass}: ${yes ? "" : "no "}${re}`);
    has("bind-dims", /^graph "showo-tiny" \{/);
    has("bind-dims", /\[B, |\[B\*L|, L\]/, false); // no symbolic dims once bound
    has("bind-dims", / = rotary\(/);
    has("fuse-qknorm-attention", / = attention_qknorm\(/);
    has("fuse-qknorm-attention", / = rotary\(/, false);
    has("share-attention-lse", / = block_lists\(/, false);
    has("specialize-masks", / = block_lists\(%segments\)/);
    has("lower-composites", / = gelu\(/, false);
    assert.ok(after.get("simplify") === print(r.compiled.graph), "the dump after the last pass is the lowered graph");
    // The rewrite log names the passes that fired, each line tagged with its pass.
    const log = text.split("\n").filter((l) => /^\/\/ [a-z-]+: /.test(l) && !l.includes("----- IR after"));
    const passes = new Set(log.map((l) => l.slice(3, l.indexOf(":"))));
    for (const p of ["fuse-qknorm-attention", "specialize-masks", "lower-composites"]) assert.ok(passes.has(p), `${p} in the log (${[...passes].join(", ")})`);
    assert.ok(log.some((l) => /^\/\/ fuse-qknorm-attention: fuse-qknorm-attention: attention#\d+: f32\[2, 4, 20, 16\] -> attention_qknorm#\d+/.test(l)), log.slice(0, 5).join("\n"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("showo compile MODEL --dump-after PASS --log: dumps on stderr after that pass only, the summary on stdout", () => {
  const dir = mkdtempSync(join(tmpdir(), "showo-dump-"));
  try {
    const r = showo("compile", "mlp", "--out", dir, "--dump-after", "lower-composites", "--log");
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(dumps(r.stderr).map(([p]) => p), ["lower-composites"]);
    assert.match(r.stderr, /^\/\/ lower-composites: decompose-composite: gelu#\d+: f32\[1, 16, 256\] -> /m);
    assert.match(r.stderr, / = tanh\(/);
    assert.doesNotMatch(r.stdout, /IR after/);
    assert.match(r.stdout, /^compiled 'mlp'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("compile --dump-after refuses a pass lowering does not run, naming the passes it does, before any work", () => {
  const list = LOWER_PASS_NAMES.join(", ");
  const dir = join(mkdtempSync(join(tmpdir(), "showo-dump-")), "out");
  try {
    for (const [name, why] of [["autodiff", "pass 'autodiff' is not in this pipeline"], ["fuse-attention", "unknown pass 'fuse-attention'"]] as const) {
      const r = showo("compile", "mlp", "--out", dir, "--dump-after", `simplify,${name}`);
      assert.equal(r.status, 1);
      assert.equal(r.stderr.trim(), `showo: error: --dump-after: ${why} (this pipeline runs: ${list})`);
      assert.ok(!existsSync(dir), "nothing written");
    }
  } finally {
    rmSync(join(dir, ".."), { recursive: true, force: true });
  }
});
