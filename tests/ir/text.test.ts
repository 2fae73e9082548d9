// Printer/parser round trip: every op of the table, random graphs chained from the table, and the
// hand-written cases in tests/ir/cases/. The random graphs use a fresh seed each run (set IR_SEED
// to replay one); failures name the seed.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "vitest";
import { apply, constant, input, param } from "../../compiler/ir/build.ts";
import type { Node } from "../../compiler/ir/graph.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import { allOps } from "../../compiler/ir/ops.ts";
import { parse, parseModule } from "../../compiler/ir/parse.ts";
import { print, printModule } from "../../compiler/ir/text.ts";
import { shapeEq } from "../../compiler/ir/types.ts";
import { verify } from "../../compiler/ir/verify.ts";

/** Build `op(example inputs){attrs}` as a one-node graph whose leaves are graph inputs. */
function exampleGraph(op: string, index: number): Graph[] {
  const def = allOps().find((d) => d.name === op)!;
  return def.examples().map((ex, j) => {
    if (op === "input" || op === "param") {
      const leaf = apply(op, [], ex.attrs);
      return new Graph(`${op}_${j}`, op === "input" ? [leaf] : [], op === "param" ? [leaf] : [], [{ name: "y", node: leaf }]);
    }
    const xs = ex.inputs.map((e, i) => input(`x${i}`, e.dtype, e.shape));
    return new Graph(`${op}_${index}_${j}`, xs, [], [{ name: "y", node: apply(op, xs, ex.attrs) }]);
  });
}

function roundTrip(g: Graph, why: string): void {
  const text = print(g);
  const back = parse(text);
  assert.equal(print(back), text, why);
  assert.equal(back.outputs.length, g.outputs.length, why);
  g.outputs.forEach((o, i) => {
    assert.equal(back.outputs[i]!.name, o.name, why);
    // Interning: parsing rebuilds the very same node objects.
    assert.ok(back.outputs[i]!.node === o.node, `${why}: output '${o.name}' is not the same node after parsing`);
  });
  assert.deepEqual(back.inputs, g.inputs, why);
  assert.deepEqual(back.params, g.params, why);
}

test("every op and example prints, parses and prints again identically", () => {
  const ops = allOps();
  assert.ok(ops.length > 3, "the op table is empty");
  let count = 0;
  ops.forEach((def, i) => {
    for (const g of exampleGraph(def.name, i)) {
      verify(g);
      roundTrip(g, `op ${def.name}`);
      count++;
    }
  });
  assert.ok(count >= ops.length);
});

test("the printed form of a small graph is the documented one", () => {
  const x = input("x", "f32", ["B", 16, 64]);
  const w = param("ln.weight", "f32", [64]);
  const sq = apply("mul", [x, x]);
  const g = new Graph("phi_block", [x], [w], [{ name: "y", node: apply("sum", [sq], { axes: [2] }) }, { name: "z", node: sq }]);
  assert.equal(print(g), [
    "graph phi_block {",
    '  %x = input {dtype: "f32", name: "x", shape: ["B", 16, 64]} : f32[B, 16, 64]',
    '  %ln.weight = param {dtype: "f32", name: "ln.weight", shape: [64]} : f32[64]',
    "  %0 = mul(%x, %x) : f32[B, 16, 64]",
    "  %1 = sum(%0) {axes: [2], keepdims: false} : f32[B, 16]",
    "  return {y: %1, z: %0}",
    "}",
    "",
  ].join("\n"));
});

test("numbers that need care round-trip exactly", () => {
  const values = [0.1 + 0.2, -0, NaN, Infinity, -Infinity, 1e-7, 1e21, 5e-324, -1.7976931348623157e308, Math.PI, -3];
  const xs = values.map((v) => constant(v, "f32", [2]));
  const g = new Graph("consts", [], [], xs.map((n, i) => ({ name: `c${i}`, node: n })));
  roundTrip(g, "constants");
  const back = parse(print(g));
  back.outputs.forEach((o, i) => assert.ok(Object.is(o.node.attrs["value"], values[i]), `value ${values[i]}`));
});

// ---------------------------------------------------------------------------------------------
// Random graphs

function rngFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomGraph(rand: () => number, index: number): Graph {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const ops = allOps().filter((d) => d.name !== "input" && d.name !== "param" && d.examples().length > 0);
  const pool: Node[] = [];
  const inputs: Node[] = [], params: Node[] = [];
  const steps = 1 + Math.floor(rand() * 10);
  for (let s = 0; s < steps; s++) {
    if (rand() < 0.1) {
      const v = pick([0.5, -0, NaN, Infinity, -Infinity, 1e-7, 1e21, 0.1 + 0.2, -3, Math.PI]);
      pool.push(constant(v, pick(["f32", "f16", "i32"] as const), pick([[], [3], [3, 5]])));
      continue;
    }
    const def = pick(ops);
    const ex = pick(def.examples());
    const args = ex.inputs.map((e) => {
      const same = pool.filter((n) => n.dtype === e.dtype && shapeEq(n.shape, e.shape));
      if (same.length && rand() < 0.7) return pick(same);
      const leaf = rand() < 0.7
        ? input(`x${inputs.length}`, e.dtype, e.shape)
        : param(`layers.${params.length}.weight`, e.dtype, e.shape);
      (leaf.op === "input" ? inputs : params).push(leaf);
      pool.push(leaf);
      return leaf;
    });
    pool.push(apply(def.name, args, ex.attrs));
  }
  const nOut = 1 + Math.floor(rand() * 3);
  const outputs = Array.from({ length: nOut }, (_, i) => ({
    // Now and then a name that has to be quoted.
    name: rand() < 0.1 ? `out ${i}` : `o${i}`,
    node: pick(pool),
  }));
  return new Graph(rand() < 0.1 ? `graph ${index}` : `g${index}`, inputs, params, outputs);
}

test("random graphs round-trip through text, node for node", async (t) => {
  const seed = process.env["IR_SEED"] !== undefined ? Number(process.env["IR_SEED"]) : (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
  await t.annotate(`seed ${seed} (replay with IR_SEED=${seed})`);
  const rand = rngFrom(seed);
  const graphs: Graph[] = [];
  for (let i = 0; i < 200; i++) {
    const g = randomGraph(rand, i);
    graphs.push(g);
    try {
      roundTrip(g, `graph ${i}`);
    } catch (e) {
      throw new Error(`seed ${seed} (replay with IR_SEED=${seed}), graph ${i}:\n${print(g)}\n${(e as Error).message}`, { cause: e });
    }
  }
  // The same graphs as one module.
  const text = printModule(graphs);
  assert.equal(printModule(parseModule(text)), text, `seed ${seed}: module round trip`);
});

// ---------------------------------------------------------------------------------------------
// Hand-written cases

const casesDir = new URL("./cases/", import.meta.url);

test("hand-written cases parse, verify and are already in printed form", () => {
  const files = readdirSync(casesDir).filter((f) => f.endsWith(".ir")).sort();
  assert.ok(files.length > 0, "no cases in tests/ir/cases");
  for (const f of files) {
    const text = readFileSync(new URL(f, casesDir), "utf8");
    const graphs = parseModule(text, f);
    assert.ok(graphs.length > 0, f);
    graphs.forEach(verify);
    // Case files may hold comments; the printed form is the text with comment lines removed.
    const stripped = text.split("\n").filter((l) => !/^\s*(#|\/\/)/.test(l)).join("\n").replace(/\n{3,}/g, "\n\n").trimStart();
    assert.equal(printModule(graphs), stripped, f);
  }
});

test("comments, blank lines and spacing do not matter", () => {
  const loose = `
    # a comment
    graph   g{%x=input{shape:[3],name:"x",dtype:"f32"}:f32[ 3 ] // trailing
    %y = neg ( %x ) : f32[3]
    return{ out : %y }}`;
  assert.equal(print(parse(loose)), [
    "graph g {",
    '  %x = input {dtype: "f32", name: "x", shape: [3]} : f32[3]',
    "  %0 = neg(%x) : f32[3]",
    "  return {out: %0}",
    "}",
    "",
  ].join("\n"));
});

test("symbolic dimensions are compared in canonical form", () => {
  const text = `graph g {
  %x = input {dtype: "f32", name: "x", shape: ["L*B", 4]} : f32[L*B, 4]
  return {y: %x}
}
`;
  const g = parse(text);
  assert.deepEqual(g.inputs[0]!.shape, ["B*L", 4]);
  assert.match(print(g), /: f32\[B\*L, 4\]/);
});
