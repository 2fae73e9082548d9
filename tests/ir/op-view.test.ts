// Named operands and typed attributes (issue #16 §4): every entry names its operands in step with
// its arity, and attrsOf / operandsOf (compiler/ir/view.ts) read a node by those names. The type
// checks at the bottom are checked by `tsc` (a wrong name must not compile).

import assert from "node:assert/strict";
import { test } from "vitest";
import { apply, input } from "../../compiler/ir/build.ts";
import type { Node } from "../../compiler/ir/graph.ts";
import { allOps, arityRange } from "../../compiler/ir/op.ts";
import type { OpName } from "../../compiler/ir/view.ts";
import { attrsOf, isOp, operandsOf } from "../../compiler/ir/view.ts";

test("every entry's operand names agree with its arity", () => {
  for (const def of allOps()) {
    const [lo, hi] = arityRange(def);
    const names = def.operands;
    const rest = names.filter((n) => n.endsWith("...")).length;
    const required = names.filter((n) => !n.endsWith("?") && !n.endsWith("...")).length;
    if (rest) assert.equal(hi, Infinity, def.name);
    else assert.deepEqual([lo, hi], [required, names.length], `${def.name}: [${names.join(", ")}]`);
    assert.equal(new Set(names.map((n) => n.replace(/(\?|\.\.\.)$/, ""))).size, names.length, `${def.name}: operand names repeat`);
  }
});

const qkv = (lq: number, lk: number) => [input("q", "f32", [1, 2, lq, 8]), input("k", "f32", [1, 2, lk, 8]), input("v", "f32", [1, 2, lk, 8])] as const;

test("operandsOf names required and optional operands; absent ones are undefined", () => {
  const [q, k, v] = qkv(5, 5);
  const seg = input("seg", "i32", [1, 2, 3]);
  const plain = apply("attention", [q, k, v], { scale: 0.5, causal: true });
  const ops = operandsOf(plain, "attention");
  assert.equal(ops.q, q);
  assert.equal(ops.v, v);
  assert.equal(ops.segments, undefined);
  assert.equal(operandsOf(apply("attention", [q, k, v, seg], { scale: 0.5, causal: true }), "attention").segments, seg);
});

test("operandsOf gives a variadic operand as the rest of the inputs", () => {
  const xs = [input("a", "f32", [2, 3]), input("b", "f32", [2, 1]), input("c", "f32", [2, 2])];
  assert.deepEqual(operandsOf(apply("concat", xs, { axis: 1 }), "concat").xs, xs);
});

test("attrsOf reads resolved attributes (defaults filled in) and refuses another op's node", () => {
  const [q, k, v] = qkv(3, 5);
  const n = apply("attention", [q, k, v], { scale: 0.25, causal: false });
  const a = attrsOf(n, "attention");
  assert.equal(a.scale, 0.25);
  assert.equal(a.lse, false);
  assert.throws(() => attrsOf(n, "matmul"), /attrsOf of a attention node, expected matmul/);
  assert.throws(() => operandsOf(n, "sum", "max"), /expected sum or max/);
});

test("isOp narrows a node so attrsOf needs no name", () => {
  const x = input("x", "f32", [2, 3]);
  const nodes: Node[] = [apply("sum", [x], { axes: [1] }), apply("max", [x], { axes: [0], keepdims: true }), x];
  const seen: (readonly number[])[] = [];
  for (const n of nodes) if (isOp(n, "sum", "max")) seen.push(attrsOf(n).axes);
  assert.deepEqual(seen, [[1], [0]]);
});

// Compile-time checks (never run): names and attribute types come from the entries.
export function typeChecks(n: Node): void {
  const a = attrsOf(n, "attention_qknorm");
  const scale: number = a.scale;
  const causal: boolean = a.causal;
  const dist: "uniform" | "gumbel" = attrsOf(n, "random").dist;
  const lists: Node | undefined = operandsOf(n, "attention_qknorm").lists;
  const dO: Node = operandsOf(n, "attention_grad_kv").dO;
  // @ts-expect-error: attention has no attribute 'eps'
  void attrsOf(n, "attention").eps;
  // @ts-expect-error: no op 'atention'
  void attrsOf(n, "atention");
  // @ts-expect-error: matmul's operands are a and b
  void operandsOf(n, "matmul").x;
  const name: OpName = "block_lists";
  void [scale, causal, dist, lists, dO, name];
}
