// Pass tests as text (the FileCheck habit): every tests/passes/cases/*.ir file runs its RUN passes
// on each of its cases and must satisfy their CHECK and EXPECT-ERROR lines. Below them, tests of
// FileCheck itself: each directive passes when it should and fails, saying why, when it should not.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "vitest";
import { fileCheck, parseCaseFile, parseRun } from "./filecheck.ts";

const dir = join(import.meta.dirname, "cases");
for (const f of readdirSync(dir).filter((x) => x.endsWith(".ir")).sort()) {
  test(`filecheck ${f}`, () => {
    fileCheck(readFileSync(join(dir, f), "utf8"), `tests/passes/cases/${f}`);
  });
}

// exp and neg of x, an add of both, then simplify (nothing to fold) prints:
//   %0 = exp(%x) : f32[2]
//   %1 = neg(%x) : f32[2]
//   %2 = add(%0, %1) : f32[2]
//   return {y: %2}
const graph = (name = "g") => `graph ${name} {
  %x = input {dtype: "f32", name: "x", shape: [2]} : f32[2]
  %e = exp(%x) : f32[2]
  %n = neg(%x) : f32[2]
  %s = add(%e, %n) : f32[2]
  return {y: %s}
}`;
const check = (directives: string, ir = graph()) => fileCheck(`# RUN: simplify\n${directives}\n${ir}`, "inline.ir");

test("CHECK, CHECK-NEXT and CHECK-NOT: in order, on the next line, absent in between", () => {
  check("# CHECK: exp(%x)\n# CHECK-NOT: mul\n# CHECK: add\n# CHECK-NEXT: return");
  assert.throws(() => check("# CHECK: no_such_op"), /inline\.ir:2: CHECK: no_such_op\n  not found after the previous match/);
  assert.throws(() => check("# CHECK: add\n# CHECK: exp"), /CHECK: exp\n  not found/, "order matters");
  assert.throws(() => check("# CHECK: exp\n# CHECK-NEXT: add"), /CHECK-NEXT: add\n  line 4 of the output is '  %1 = neg\(%x\) : f32\[2\]'/);
  assert.throws(() => check("# CHECK-NOT: neg\n# CHECK: add"), /CHECK-NOT: neg\n  found on line 4 of the output/);
  check("# CHECK: add\n# CHECK-NOT: neg", graph()); // after the last match only
});

test("captures: [[X:re]] defines, [[X]] uses, on a later line or the same one", () => {
  check("# CHECK: [[E:%\\d+]] = exp(%x)\n# CHECK: [[N:%\\d+]] = neg(%x)\n# CHECK: [[S:%\\d+]] = add([[E]], [[N]])\n# CHECK-NEXT: return {y: [[S]]}");
  assert.throws(() => check("# CHECK: [[E:%\\d+]] = exp(%x)\n# CHECK: = add([[E]], [[E]])"), /CHECK: = add\(\[\[E\]\], \[\[E\]\]\)\n  not found after the previous match\n  \(captured: E = %0\)/);
  assert.throws(() => check("# CHECK: = add([[E]], %1)"), /\[\[E\]\] is used before it is captured \(captures: none\)/);
  check("# CHECK: {{%[0-9]+}} = neg({{%\\w+}})"); // an inline regular expression
  // The same line: a capture and a back-reference to it.
  const twice = `graph t {
  %x = input {dtype: "f32", name: "x", shape: [2]} : f32[2]
  %a = exp(%x) : f32[2]
  %b = mul(%a, %a) : f32[2]
  return {y: %b}
}`;
  check("# CHECK: = mul([[A:%\\d+]], [[A]])", twice);
  assert.throws(() => check("# CHECK: = add([[A:%\\d+]], [[A]])"), /not found/);
  assert.throws(() => check("# CHECK-NOT: [[A:%\\d+]] = mul\n# CHECK: add"), /CHECK-NOT cannot capture/);
});

test("CHECK-DAG: a run matches distinct lines in any order, and the next CHECK comes after all of them", () => {
  check("# CHECK-DAG: neg(%x)\n# CHECK-DAG: exp(%x)\n# CHECK-NEXT: add");
  check("# CHECK-DAG: [[N:%\\d+]] = neg(%x)\n# CHECK-DAG: [[E:%\\d+]] = exp(%x)\n# CHECK: = add([[E]], [[N]])");
  assert.throws(() => check("# CHECK-DAG: neg(%x)\n# CHECK-DAG: tanh(%x)"), /CHECK-DAG: tanh\(%x\)\n  not found after the previous match \(in any order/);
  assert.throws(() => check("# CHECK-DAG: (%x)\n# CHECK-DAG: (%x)\n# CHECK-DAG: (%x)"), /CHECK-DAG: \(%x\)\n  not found/, "two lines cannot satisfy three DAGs");
  assert.throws(() => check("# CHECK-DAG: neg(%x)\n# CHECK-DAG: exp(%x)\n# CHECK: exp"), /CHECK: exp\n  not found/, "a CHECK after a DAG run starts after its last match");
});

test("CHECK-LABEL: checks after a label see only its graph, and captures end there", () => {
  const two = `${graph("first")}\n${graph("second")}`;
  check("# CHECK-LABEL: graph first {\n# CHECK: [[E:%\\d+]] = exp\n# CHECK-LABEL: graph second {\n# CHECK: [[E:%\\d+]] = exp\n# CHECK: add([[E]],", two);
  // Without a label, "return" of the first graph satisfies this; with one, the check looks in 'second' only.
  assert.throws(() => check("# CHECK-LABEL: graph first {\n# CHECK: return\n# CHECK: tanh\n# CHECK-LABEL: graph second {", two), /CHECK: tanh\n  not found after the previous match before the next label/);
  assert.throws(() => check("# CHECK-LABEL: graph first {\n# CHECK: [[E:%\\d+]] = exp\n# CHECK-LABEL: graph second {\n# CHECK: add([[E]],", two), /\[\[E\]\] is used before it is captured/);
  assert.throws(() => check("# CHECK-LABEL: graph second {\n# CHECK-LABEL: graph first {", two), /CHECK-LABEL: graph first \{\n  not found after the previous label/);
  assert.throws(() => check("# CHECK-LABEL: graph first {\n# CHECK-NOT: neg\n# CHECK-LABEL: graph second {", two), /CHECK-NOT: neg\n  found on line 4/);
});

test("EXPECT-ERROR: the message and where it points, relative or absolute; each case split by // ----- on its own", () => {
  const bad = (directive: string) => `${directive}
graph g {
  %x = input {dtype: "f32", name: "x", shape: [2]} : f32[2]
  %0 = nosuch(%x) : f32[2]
  return {y: %0}
}`;
  // The op is on line 4, column 8.
  fileCheck(bad("# EXPECT-ERROR@+3:8: unknown op 'nosuch'"), "inline.ir");
  fileCheck(bad("# EXPECT-ERROR@4: unknown op {{'\\w+'}}"), "inline.ir");
  assert.throws(() => fileCheck(bad("# EXPECT-ERROR@+3:9: unknown op 'nosuch'"), "inline.ir"), /the error is at 4:8: unknown op 'nosuch'/);
  assert.throws(() => fileCheck(bad("# EXPECT-ERROR@+3: unknown dtype"), "inline.ir"), /the error is: 4:8: unknown op 'nosuch'/);
  assert.throws(() => fileCheck(bad("# EXPECT-ERROR: unknown op 'nosuch'"), "inline.ir"), /the error is at 4:8; say where: EXPECT-ERROR@\+3:8/);
  assert.throws(() => fileCheck(`# EXPECT-ERROR: anything\n${graph()}`, "inline.ir"), /ran without an error; it printed:\ngraph g/);
  // Errors from a pass have no position.
  fileCheck(`# RUN: autodiff\n# EXPECT-ERROR: pass 'autodiff' failed on graph 'g': no float scalar output\n${graph()}`, "inline.ir");
  // Cases: the second one's lines are still counted from the top of the file.
  const split = `# RUN: simplify\n# CHECK: exp\n${graph()}\n// -----\n${bad("# EXPECT-ERROR@+3:8: unknown op")}`;
  assert.equal(parseCaseFile(split, "inline.ir").cases.length, 2);
  assert.equal(parseCaseFile(split, "inline.ir").cases[1]!.expect!.at!.line, 14);
  fileCheck(split, "inline.ir");
  assert.throws(() => fileCheck(`${graph()}\n// -----\n# CHECK: exp\n${graph()}`, "inline.ir"), /inline\.ir:1: no CHECK lines in this case/);
  assert.throws(() => fileCheck(bad("# EXPECT-ERROR: a\n# EXPECT-ERROR: b"), "inline.ir"), /expects one error/);
  assert.throws(() => fileCheck(bad("# EXPECT-ERROR: a\n# CHECK: b"), "inline.ir"), /a case that expects an error has no output to CHECK/);
  // An error nobody expected fails the case with it.
  assert.throws(() => fileCheck(bad("# CHECK: exp"), "inline.ir"), /inline\.ir:4:8: the case failed \(it expects no error\): unknown op 'nosuch'/);
});

test("RUN takes pass options as JSON; a misspelt directive is refused, not ignored", () => {
  assert.deepEqual(parseRun(`bind-dims {"dims": {"B": 2, "L": 8}}, simplify, autodiff {"wrt": ["w"]}`, "x"), [
    { name: "bind-dims", options: { dims: { B: 2, L: 8 } } }, "simplify", { name: "autodiff", options: { wrt: ["w"] } },
  ]);
  // A later case's RUN lines replace the file's for that case: there only verify, so neg(neg(x)) stays.
  const negneg = `graph nn {
  %x = input {dtype: "f32", name: "x", shape: [2]} : f32[2]
  %a = neg(%x) : f32[2]
  %b = neg(%a) : f32[2]
  return {y: %b}
}`;
  fileCheck(`# RUN: simplify\n# CHECK-NOT: neg\n${negneg}\n// -----\n# RUN: verify\n# CHECK: = neg(%0)\n${negneg}`, "inline.ir");
  assert.throws(() => fileCheck(`# RUN: simplify\n# CHECK: = neg(%0)\n${negneg}`, "inline.ir"), /CHECK: = neg\(%0\)/);
  assert.throws(() => parseRun(`bind-dims {"dims": }`, "f.ir:1"), /f\.ir:1: RUN: options of 'bind-dims'/);
  assert.throws(() => check("# CHECK-NXT: add"), /inline\.ir:2: unknown directive: # CHECK-NXT: add/);
  assert.throws(() => check("# CHECK:"), /CHECK with an empty pattern/);
});
