// `showo compile`: run as a child process with the project's Node, it writes the kernels, the
// launch list, the memory plan and a summary that agree with one another.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "vitest";
import { fileURLToPath } from "node:url";
import { MODELS } from "../../models/index.ts";
import { runCompile } from "../../cli/commands/compile.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/elementwise.ir", import.meta.url));

function showo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface LaunchJson {
  kernel: string;
  grid: number[];
  tensors: { binding: string; tensor: string; shard: number; access: string; arena: number; offset: number; bytes: number }[];
}
interface PlanJson {
  arenas: { index: number; kind: string; bytes: number }[];
  arenaBytes: { total: number };
  peak: { total: number };
  placements: { tensor: string; shard: number; arena: number; offset: number; bytes: number }[];
}

/** Reads what `showo compile` wrote to `dir` and checks the files agree; returns the launches. */
function checkOutput(dir: string, stdout: string): LaunchJson[] {
  const kernels = readdirSync(join(dir, "kernels")).sort();
  assert.ok(kernels.length > 0);
  kernels.forEach((f, i) => assert.match(f, new RegExp(`^${String(i).padStart(3, "0")}_[A-Za-z0-9_-]+\\.wgsl$`)));
  const texts = kernels.map((f) => readFileSync(join(dir, "kernels", f), "utf8"));
  assert.equal(new Set(texts).size, texts.length, "kernel files are distinct");
  for (const t of texts) assert.match(t, /@compute @workgroup_size\(/);

  const launches = JSON.parse(readFileSync(join(dir, "launches.json"), "utf8")) as LaunchJson[];
  const plan = JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")) as PlanJson;
  assert.deepEqual([...new Set(launches.map((l) => l.kernel))].sort(), kernels.map((f) => `kernels/${f}`), "every kernel file is launched");
  for (const l of launches) {
    assert.ok(l.grid.length >= 1 && l.grid.every((g) => Number.isInteger(g) && g >= 1));
    for (const t of l.tensors) {
      const p = plan.placements.find((q) => q.tensor === t.tensor && q.shard === t.shard);
      assert.ok(p, `launches.json binds ${t.tensor}#${t.shard}, which plan.json lacks`);
      assert.deepEqual([t.arena, t.offset, t.bytes], [p.arena, p.offset, p.bytes]);
      assert.equal(t.offset % 256, 0);
      assert.ok(t.offset + t.bytes <= plan.arenas[t.arena]!.bytes);
    }
  }
  assert.equal(plan.arenaBytes.total, plan.arenas.reduce((s, a) => s + a.bytes, 0));

  const summary = readFileSync(join(dir, "summary.txt"), "utf8");
  assert.ok(summary.startsWith(stdout.trim()), "summary.txt starts with what was printed");
  assert.match(stdout, new RegExp(`kernels +${kernels.length} distinct`));
  assert.match(stdout, new RegExp(`dispatches +${launches.length} per run`));
  assert.match(stdout, new RegExp(`arenas +${plan.arenas.length}, `));
  assert.match(stdout, /peak +\S+ \S+ live/);
  assert.match(stdout, /compile time +\d+ ms/);
  assert.match(summary, /^memory plan: /m);
  return launches;
}

test("showo compile FILE.ir writes kernels, launches, plan and summary", () => {
  const dir = mkdtempSync(join(tmpdir(), "showo-compile-"));
  try {
    const r = showo("compile", fixture, "--target", "wgsl", "--out", dir, "--batch", "5");
    assert.equal(r.status, 0, r.stderr);
    const launches = checkOutput(dir, r.stdout);
    assert.equal(launches.length, 1);
    assert.match(r.stdout, /dimensions +B=5/);
    // The output z = x·w is read only by y's kernel, at y's own index: that one kernel stores
    // both (z first, then y from the value it holds).
    assert.deepEqual(launches.map((l) => l.tensors.filter((t) => t.access === "read_write").map((t) => t.tensor)), [["mul.0", "add.0"]]);
    // A second compile into the same directory replaces the kernels rather than adding to them.
    const again = showo("compile", fixture, "--out", dir, "--batch", "9");
    assert.equal(again.status, 0, again.stderr);
    assert.equal(readdirSync(join(dir, "kernels")).length, 1);
    assert.match(readFileSync(join(dir, "kernels", "000_elementwise.wgsl"), "utf8"), /f32\[9, 7\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The models need the matmul, normalization and attention kernel builders; a missing one fails the
// test, naming it.
for (const [model, args] of [["phi-block", ["--seq", "32"]], ["mlp", []]] as const) {
  test(`showo compile ${model} writes the files`, () => {
    const dir = mkdtempSync(join(tmpdir(), "showo-compile-"));
    try {
      const r = showo("compile", model, "--target", "wgsl", "--out", dir, ...args);
      const missing = /no kernel builder for '[^']+'|has no inline lowering[^\n]*/.exec(r.stderr);
      if (r.status !== 0 && missing) assert.fail(`a kernel builder is missing: ${missing[0]}`);
      assert.equal(r.status, 0, r.stderr);
      const launches = checkOutput(dir, r.stdout);
      assert.ok(launches.length >= (model === "mlp" ? 2 : 8), `${launches.length} launches`);
      assert.ok(existsSync(join(dir, "plan.json")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("showo compile reports unknown models, unsupported targets and bad sizes", () => {
  const dir = mkdtempSync(join(tmpdir(), "showo-compile-"));
  try {
    const unknown = showo("compile", "nope", "--out", dir);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown model 'nope' \(models: phi-block, mlp, showo-tiny, showo-256, showo-512, showo-shapes, magvit2, magvit2-encoder, magvit2-tiny, magvit2-tiny-encoder, magvit2-shapes, magvit2-shapes-encoder\)/);
    const metal = showo("compile", fixture, "--target", "metal", "--out", dir);
    assert.equal(metal.status, 1);
    assert.match(metal.stderr, /target 'metal' is not supported \(targets: wgsl, cuda\)/);
    const batch = showo("compile", fixture, "--out", dir, "--batch", "0");
    assert.equal(batch.status, 1);
    assert.match(batch.stderr, /--batch must be a positive integer, got '0'/);
    const unbound = showo("compile", fixture, "--out", dir);
    assert.equal(unbound.status, 1);
    assert.match(unbound.stderr, /symbolic/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every registry model traces, with values for its symbolic dimensions", () => {
  for (const [name, entry] of Object.entries(MODELS)) {
    assert.ok(entry.description.length > 10, name);
    // MAGVIT-v2 entries are fixed-size graphs whose `seq` is the image side in pixels.
    const magvit = name.startsWith("magvit2");
    const built = entry.build({ batch: 2, seq: magvit ? 32 : 8 });
    assert.ok(built.graph.outputs.length >= 1, name);
    assert.deepEqual(built.dims, magvit ? undefined : { B: 2, L: 8 }, name);
    assert.ok(built.graph.params.length > 0, name);
  }
  assert.throws(() => MODELS["magvit2"]!.build({ seq: 40 }), /magvit2: image side 40 is not a multiple of its downsampling factor 16/);
  assert.throws(() => MODELS["mlp"]!.build({ seq: 0 }), /seq must be a positive integer, got 0/);
});

test("compile --train: the Show-o training step's plan holds no [L, L] tensor, and new weights and moments are written in place", async () => {
  const out = mkdtempSync(join(tmpdir(), "showo-compile-train-"));
  try {
    // CUDA limits: the attention-gradient kernels need 9 bindings, more than WebGPU's default 8.
    const r = await runCompile("showo-tiny", { target: "cuda", out, batch: 2, train: true }, () => {});
    assert.match(r.text, /training step {2}forward, backward, clipping, AdamW; 123 state tensors/);
    const L = 35;
    for (const p of r.compiled.plan.placements) {
      const s = p.node.shape;
      assert.ok(!(s.length >= 2 && s[s.length - 1] === L && s[s.length - 2] === L), `${p.label} ${JSON.stringify(s)} is an [L, L] tensor`);
    }
    // Every new weight and moment is computed in place of the old one: no copies, no memory of
    // its own, and the kernel writing a parameter is the last to touch it.
    assert.equal(r.compiled.launches.filter((l) => l.kernel.name.startsWith("copy_")).length, 0);
    const state = r.compiled.graph.outputs.filter((o) => o.name.startsWith("new."));
    assert.equal(state.length, 123);
    for (const o of state) assert.equal(r.compiled.plan.byNode.get(o.node), undefined, `${o.name} has memory of its own`);
    const written = new Set<string>();
    r.compiled.launches.forEach((l, k) => {
      for (const t of l.tensors) {
        if (t.node.op !== "param" || t.access === "read") continue;
        const name = String(t.node.attrs["name"]);
        written.add(name);
        const later = r.compiled.launches.slice(k + 1).findIndex((x) => x.tensors.some((u) => u.node === t.node && u.access === "read"));
        assert.equal(later, -1, `${name} is read after launch ${k} (${l.label}) wrote it`);
      }
    });
    assert.equal(written.size, 123);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
