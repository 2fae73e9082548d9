// Layering: the import graph of the repository's TypeScript, checked against the rules of
// docs/architecture.md ("Layering") written down as data.
//
// The graph: every .ts file under the source folders; an edge for each `import ... from "<rel>"`,
// `import "<rel>"`, `export ... from "<rel>"` and `import("<rel>")` whose specifier is relative,
// resolved against the importing file (type-only imports count: a layer should not need another's
// types either). Package imports ("node:fs", "webgpu") are not edges.
//
// A rule "A ↛ B" holds when no module under A reaches a module under B through any chain of
// imports (so a layer cannot reach upward through a side door either). A known exception is one
// named edge, removed from the graph before the rules are checked; each says why it stays.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { test } from "vitest";

const ROOT = normalize(join(dirname(new URL(import.meta.url).pathname), ".."));
const SOURCE_DIRS = ["compiler", "backends", "models", "runtime", "cli", "tests", "bench", "scripts", "dev"];

interface Forbidden {
  /** Folder prefixes (relative to the repository root, ending in "/") or single files. */
  readonly from: string;
  readonly to: string;
  readonly why: string;
}

/** The rules: no module under `from` reaches a module under `to`. */
const FORBIDDEN: readonly Forbidden[] = [
  { from: "compiler/ir/", to: "compiler/passes/", why: "the IR knows nothing above it (backprop lives in compiler/ir/backprop.ts)" },
  { from: "backends/cuda/", to: "backends/wgsl/", why: "targets are independent; shared C-like printing is backends/c-like/" },
  { from: "backends/wgsl/", to: "backends/cuda/", why: "targets are independent; shared C-like printing is backends/c-like/" },
  {
    from: "compiler/kernels/", to: "compiler/passes/",
    why: "passes may consult kernels (TargetCaps, the lowering table), never the reverse, so the two are never on one cycle; "
      + "the fusion partition (kernels/fuse-elementwise.ts) is kernel-level data and lives with the kernels",
  },
  { from: "models/", to: "runtime/", why: "models are DSL code; the runtime uses them, not the reverse (shared layouts such as models/showo-vocab.ts live in models/)" },
  { from: "models/", to: "cli/", why: "models know nothing of the command line" },
  { from: "compiler/", to: "runtime/", why: "the compiler knows nothing above it" },
  { from: "compiler/", to: "cli/", why: "the compiler knows nothing above it" },
  { from: "compiler/", to: "models/", why: "the compiler knows no model" },
];

/** Pairs of modules that must not be on one import cycle (one may import the other). */
const NO_CYCLE: readonly (readonly [string, string])[] = [
  ["compiler/kernels/emit.ts", "compiler/kernels/inline.ts"],
];

/** Edges that must exist. */
const REQUIRED: readonly { readonly from: string; readonly to: string; readonly why: string }[] = [
  { from: "runtime/tokenizer/vocab.ts", to: "models/showo-vocab.ts", why: "the tokenizer takes Show-o's vocabulary layout from models/" },
];

/**
 * Known exceptions: edges that break a rule today and are left for their owners, each with why.
 * An entry is { from: "<file>", to: "<file>", why: "..." }; the last test fails once it is stale.
 */
const KNOWN_EXCEPTIONS: readonly { readonly from: string; readonly to: string; readonly why: string }[] = [];

// ---------------------------------------------------------------------------------------------
// The graph

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const p = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
    }
  };
  for (const d of SOURCE_DIRS) if (existsSync(join(ROOT, d))) walk(d);
  return out.sort();
}

// Static imports and re-exports at the start of a line (the clause: names, `* as x`, braces,
// commas, `type`), side-effect imports, and dynamic imports of a string literal.
const STATIC_IMPORT = /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w$*\s{},]+?\s+from\s+)?["']([^"']+)["']/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** Each file's imports of other repository files, as root-relative paths. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(join(ROOT, f), "utf8");
    const deps = new Set<string>();
    for (const re of [STATIC_IMPORT, DYNAMIC_IMPORT]) {
      for (const m of text.matchAll(re)) {
        const spec = m[1]!;
        if (!spec.startsWith("./") && !spec.startsWith("../")) continue;
        deps.add(relative(ROOT, join(ROOT, dirname(f), spec)));
      }
    }
    graph.set(f, [...deps].sort());
  }
  return graph;
}

const under = (file: string, scope: string): boolean => (scope.endsWith("/") ? file.startsWith(scope) : file === scope);

/** A shortest import chain from `start` to a module matching `target`, or null. */
function pathTo(graph: ReadonlyMap<string, readonly string[]>, start: string, target: (f: string) => boolean): string[] | null {
  const prev = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const f = queue.shift()!;
    for (const d of graph.get(f) ?? []) {
      if (prev.has(d)) continue;
      prev.set(d, f);
      if (target(d)) {
        const chain = [d];
        for (let p = prev.get(d); p; p = prev.get(p)) chain.unshift(p);
        return chain;
      }
      queue.push(d);
    }
  }
  return null;
}

const files = sourceFiles();
const fullGraph = importGraph(files);
const graph = new Map([...fullGraph].map(([f, deps]) => [f, deps.filter((d) => !KNOWN_EXCEPTIONS.some((x) => x.from === f && x.to === d))]));

// ---------------------------------------------------------------------------------------------
// The checks

test("the import graph is read: every relative import names an existing file, and known edges are seen", () => {
  assert.ok(files.length > 100, `only ${files.length} .ts files found under ${ROOT}`);
  const missing = [...fullGraph].flatMap(([f, deps]) => deps.filter((d) => !existsSync(join(ROOT, d))).map((d) => `${f} → ${d}`));
  assert.deepEqual(missing, [], `imports of files that do not exist:\n${missing.join("\n")}`);
  // Multi-line and type-only imports, re-exports and side-effect imports are all edges.
  assert.ok(fullGraph.get("compiler/passes/autodiff.ts")?.includes("compiler/ir/backprop.ts"));
  assert.ok(fullGraph.get("compiler/kernels/emit.ts")?.includes("compiler/kernels/index-math.ts"), "re-export not seen");
  assert.ok(fullGraph.get("runtime/executable.ts")?.includes("compiler/kernels/builders/index.ts"), "side-effect import not seen");
});

for (const rule of FORBIDDEN) {
  test(`${rule.from} ↛ ${rule.to}`, () => {
    // One line per import that crosses the line (the chain's last step), with a chain leading to it.
    const broken = new Map<string, string>();
    for (const f of files) {
      if (!under(f, rule.from)) continue;
      const chain = pathTo(graph, f, (d) => under(d, rule.to));
      if (chain && !broken.has(chain.slice(-2).join(" → "))) broken.set(chain.slice(-2).join(" → "), chain.join(" → "));
    }
    assert.deepEqual([...broken.values()], [], `${rule.from} must not reach ${rule.to}: ${rule.why}\n${[...broken.values()].join("\n")}`);
  });
}

for (const [a, b] of NO_CYCLE) {
  test(`${a} and ${b} are on no import cycle`, () => {
    const ab = pathTo(graph, a, (d) => d === b), ba = pathTo(graph, b, (d) => d === a);
    assert.ok(!(ab && ba), `import cycle: ${ab?.join(" → ")} and ${ba?.join(" → ")}`);
  });
}

for (const e of REQUIRED) {
  test(`${e.from} imports ${e.to}`, () => {
    assert.ok(fullGraph.get(e.from)?.includes(e.to), `${e.from} does not import ${e.to}: ${e.why}`);
  });
}

test("known exceptions are still edges of the graph (remove an entry once its import is gone)", () => {
  const stale = KNOWN_EXCEPTIONS.filter((x) => !fullGraph.get(x.from)?.includes(x.to)).map((x) => `${x.from} → ${x.to}`);
  assert.deepEqual(stale, []);
});
