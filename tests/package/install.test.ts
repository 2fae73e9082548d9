// The compiler as an npm package, installed the way a user installs it: `npm pack` (its prepack
// builds dist/ with tsc), then the tarball installed into an empty folder with no network, then
// the installed `showo` command run and a consumer file type-checked against the installed types.
//
// Offline: the empty folder gets a package-lock.json made from this repository's (the same
// resolved tarballs and integrities for every run-time dependency, which `npm ci` put in the npm
// cache), so `npm ci --offline` needs no registry metadata.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, test } from "vitest";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const work = mkdtempSync(join(tmpdir(), "showo-pack-"));
const app = join(work, "app");

interface LockEntry { dev?: boolean; [k: string]: unknown }

function run(cmd: string, args: readonly string[], cwd: string, timeout = 240_000): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, npm_config_update_notifier: "false" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/** The app's lock: the package from the tarball, and this repository's run-time dependencies as locked here. */
function appLock(tarball: string): unknown {
  const repo = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string; dependencies: Record<string, string>; bin: unknown; engines: unknown; license: string };
  const packages: Record<string, unknown> = {
    "": { name: "app", dependencies: { [pkg.name]: `file:${tarball}` } },
    [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: `file:${tarball}`, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [k, v] of Object.entries(repo.packages)) if (k !== "" && !v.dev) packages[k] = v;
  return { name: "app", lockfileVersion: 3, requires: true, packages };
}

beforeAll(() => {
  run("npm", ["pack", "--pack-destination", work, "--loglevel=error"], ROOT);
  const tgz = readdirSync(work).find((f) => f.endsWith(".tgz"));
  assert.ok(tgz, "npm pack wrote no tarball");
  const tarball = join(work, tgz);
  execFileSync("mkdir", [app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module", dependencies: { "showo-compiler": `file:${tarball}` } }, null, 2));
  writeFileSync(join(app, "package-lock.json"), JSON.stringify(appLock(tarball), null, 2));
  run("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], app);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

test("the tarball holds the built package, not the sources", () => {
  const installed = join(app, "node_modules", "showo-compiler");
  for (const f of ["dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "cli/showo.js", "weights/shapes/showo-shapes.safetensors", "package.json"]) {
    assert.ok(existsSync(join(installed, f)), `${f} is missing from the installed package`);
  }
  for (const f of ["cli/main.ts", "index.ts", "tests", "bench", "dist/bench", "dist/tests", "data", "runs"]) {
    assert.ok(!existsSync(join(installed, f)), `${f} should not be in the package`);
  }
});

test("npx showo --help lists the verbs; npx showo --version is the package's", () => {
  const help = run("npx", ["showo", "--help"], app);
  for (const verb of ["compile", "generate", "understand", "train", "demo"]) assert.match(help, new RegExp(`\\b${verb}\\b`), `--help lacks ${verb}:\n${help}`);
  const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
  assert.equal(run("npx", ["showo", "--version"], app).trim(), version);
});

test("npx showo demo --block runs a compiled Phi block and its gradients from the installed package", () => {
  const out = run("npx", ["showo", "demo", "--block"], app, 300_000);
  assert.match(out, /Phi block/);
  assert.match(out, /ok: largest relative error/);
});

test("npx showo generate uses the shipped model from the installed package", () => {
  const out = join(work, "generated");
  run("npx", ["showo", "generate", "--prompt", "a red circle", "--steps", "4", "--out", out], app, 300_000);
  assert.ok(existsSync(join(out, "000.png")), "no 000.png");
});

test("npx showo bench says it needs the repository", () => {
  const r = spawnSync("npx", ["showo", "bench", "matmul", "--quick"], { cwd: app, encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not in the npm package/);
});

test("a consumer file type-checks against the installed types (and a wrong call does not)", () => {
  writeFileSync(join(app, "consumer.ts"), `
import { compile, getModel, trace, Linear, tensor } from "showo-compiler";
import type { CompileOptions, Graph } from "showo-compiler";
import { SHOWO_SHAPES, Showo, showoGraph } from "showo-compiler/models";
import { attention, add } from "showo-compiler/dsl";
import { print } from "showo-compiler/ir";
import { loadWeights, mmuGenerate } from "showo-compiler/runtime";

const layer = new Linear(4, 2);
const graph: Graph = trace("tiny", { x: { dtype: "f32", shape: [1, 4] } }, (t) => ({ y: layer.forward(t["x"]!) }));
const text: string = print(graph);
const opts: CompileOptions = { target: "wgsl" };
const pending: Promise<unknown> = compile(graph, opts);
const hidden: number = SHOWO_SHAPES.hidden;
const model = new Showo(SHOWO_SHAPES);
const g2: Graph = showoGraph(SHOWO_SHAPES, { batch: 1, seq: 8 }, model);
const entry = getModel("showo-shapes");
const x = tensor("f32", [2], [1, 2]);
void [text, pending, hidden, g2, entry, x, attention, add, loadWeights, mmuGenerate];
// @ts-expect-error: a target is a name, not a number
compile(graph, { target: 3 });
`);
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
    compilerOptions: { target: "es2023", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true, skipLibCheck: true, types: [] },
    files: ["consumer.ts"],
  }, null, 2));
  const r = spawnSync(process.execPath, [TSC, "-p", "."], { cwd: app, encoding: "utf8" });
  assert.equal(r.status, 0, `the consumer does not type-check:\n${r.stdout}${r.stderr}`);
});
