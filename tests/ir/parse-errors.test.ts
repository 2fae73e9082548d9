// Malformed IR texts: each must fail with a ParseError at the right line and column, saying what
// was expected. Also the parser's limits (nesting, dimension size), names that are also
// Object.prototype's, texts without a graph, and verifier errors that point into the text.

import assert from "node:assert/strict";
import { test } from "vitest";
import { input } from "../../compiler/ir/build.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import { MAX_DIM, MAX_NESTING, ParseError, parse, parseModule } from "../../compiler/ir/parse.ts";
import { print } from "../../compiler/ir/text.ts";
import { VerifyError, verify } from "../../compiler/ir/verify.ts";

const X = `  %x = input {dtype: "f32", name: "x", shape: [3, 5]} : f32[3, 5]`;
const graph = (...lines: string[]) => ["graph g {", X, ...lines, "}"].join("\n");
/** A graph of one input with the given shape attribute and written type. */
const leaf = (shape: string, type: string) =>
  ["graph g {", `  %x = input {dtype: "f32", name: "x", shape: ${shape}} : ${type}`, "  return {y: %x}", "}"].join("\n");

interface Case {
  what: string;
  text: string;
  line: number;
  col: number;
  message: RegExp;
}

const cases: Case[] = [
  { what: "missing ')'", text: graph("  %0 = sum(%x {axes: [0]} : f32[5]", "  return {y: %0}"),
    line: 3, col: 15, message: /^expected '\)' but found '\{'$/ },
  { what: "missing '(' argument separator", text: graph("  %0 = add(%x %x) : f32[3, 5]", "  return {y: %0}"),
    line: 3, col: 15, message: /^expected '\)' but found '%x'$/ },
  { what: "unknown op", text: graph("  %0 = frobnicate(%x) : f32[3, 5]", "  return {y: %0}"),
    line: 3, col: 8, message: /^unknown op 'frobnicate'$/ },
  { what: "unknown %name in an argument", text: graph("  %0 = neg(%y) : f32[3, 5]", "  return {y: %0}"),
    line: 3, col: 12, message: /^%y is not defined$/ },
  { what: "unknown %name in return", text: graph("  return {y: %7}"),
    line: 3, col: 14, message: /^%7 is not defined$/ },
  { what: "redefinition", text: graph("  %0 = neg(%x) : f32[3, 5]", "  %0 = exp(%x) : f32[3, 5]", "  return {y: %0}"),
    line: 4, col: 3, message: /^%0 is already defined at 3:3$/ },
  { what: "bad dtype in a type", text: graph("  %0 = neg(%x) : f33[3, 5]", "  return {y: %0}"),
    line: 3, col: 18, message: /^unknown dtype 'f33' \(expected f32, f16, bf16, i32, u32 or bool\)$/ },
  { what: "bad dtype attribute", text: ['graph g {', '  %x = input {dtype: "f64", name: "x", shape: [3]} : f32[3]', "  return {y: %x}", "}"].join("\n"),
    line: 2, col: 15, message: /^input\(\): attribute 'dtype' must be a dtype name, got "f64"$/ },
  { what: "wrong declared shape", text: graph("  %0 = neg(%x) : f32[3, 4]", "  return {y: %0}"),
    line: 3, col: 18, message: /^type mismatch: written f32\[3, 4\] but neg infers f32\[3, 5\]$/ },
  { what: "wrong declared dtype", text: graph("  %0 = lt(%x, %x) : f32[3, 5]", "  return {y: %0}"),
    line: 3, col: 21, message: /^type mismatch: written f32\[3, 5\] but lt infers bool\[3, 5\]$/ },
  { what: "bad attribute value (a bare word)", text: graph("  %0 = sum(%x) {axes: zero} : f32[5]", "  return {y: %0}"),
    line: 3, col: 23, message: /^expected a value \(.*\) but found 'zero'$/ },
  { what: "bad attribute value (wrong kind)", text: graph("  %0 = sum(%x) {axes: [0], keepdims: 1} : f32[5]", "  return {y: %0}"),
    line: 3, col: 28, message: /^sum\(f32\[3, 5\]\): attribute 'keepdims' must be true or false, got 1$/ },
  { what: "unknown attribute", text: graph("  %0 = neg(%x) {alpha: 2} : f32[3, 5]", "  return {y: %0}"),
    line: 3, col: 17, message: /^neg\(f32\[3, 5\]\): unknown attribute 'alpha' \(known: none\)$/ },
  { what: "missing attribute", text: graph("  %0 = cast(%x) : f16[3, 5]", "  return {y: %0}"),
    line: 3, col: 8, message: /^cast\(f32\[3, 5\]\): missing attribute 'to'$/ },
  { what: "wrong arity", text: graph("  %0 = neg(%x, %x) : f32[3, 5]", "  return {y: %0}"),
    line: 3, col: 8, message: /^neg\(f32\[3, 5\], f32\[3, 5\]\): takes 1 input, got 2$/ },
  { what: "shape rule refuses", text: graph('  %w = input {dtype: "f32", name: "w", shape: [4]} : f32[4]', "  %0 = add(%x, %w) : f32[3, 5]", "  return {y: %0}"),
    line: 4, col: 8, message: /^add\(f32\[3, 5\], f32\[4\]\): shapes \[3, 5\] and \[4\] differ/ },
  { what: "unterminated string", text: ['graph g {', '  %x = input {dtype: "f32", name: "x, shape: [3]} : f32[3]', "  return {y: %x}", "}"].join("\n"),
    line: 2, col: 35, message: /^unterminated string$/ },
  { what: "bad escape in a string", text: ['graph g {', '  %x = input {dtype: "f\\q32", name: "x", shape: [3]} : f32[3]', "  return {y: %x}", "}"].join("\n"),
    line: 2, col: 22, message: /^invalid string \(bad escape or control character\)$/ },
  { what: "missing return", text: graph("  %0 = neg(%x) : f32[3, 5]"),
    line: 4, col: 1, message: /^expected a %name line or 'return' but found '\}'$/ },
  { what: "missing closing brace", text: ["graph g {", X, "  return {y: %x}"].join("\n"),
    line: 3, col: 17, message: /^expected '\}' but found end of input$/ },
  { what: "missing type", text: graph("  %0 = neg(%x)", "  return {y: %0}"),
    line: 4, col: 3, message: /^expected ':' but found 'return'$/ },
  { what: "missing dimension", text: graph("  %0 = neg(%x) : f32[3, ]", "  return {y: %0}"),
    line: 3, col: 25, message: /^expected a dimension but found '\]'$/ },
  { what: "fractional dimension", text: graph("  %0 = neg(%x) : f32[3, 5.5]", "  return {y: %0}"),
    line: 3, col: 25, message: /^dimension must be a non-negative integer or a symbol, got '5.5'$/ },
  { what: "stray character", text: graph("  %0 = neg(%x) : f32[3, 5] @", "  return {y: %0}"),
    line: 3, col: 28, message: /^unexpected character "@"$/ },
  { what: "text after the last graph", text: graph("  return {y: %x}") + "\nreturn",
    line: 5, col: 1, message: /^expected 'graph' but found 'return'$/ },
  { what: "repeated attribute key", text: graph("  %0 = sum(%x) {axes: [0], axes: [1]} : f32[5]", "  return {y: %0}"),
    line: 3, col: 28, message: /^key 'axes' is repeated \(first at 3:17\)$/ },
  { what: "repeated output name", text: graph("  return {y: %x, y: %x}"),
    line: 3, col: 18, message: /^output 'y' is already returned at 3:11$/ },
  { what: "input declared twice", text: graph('  %x2 = input {dtype: "f32", name: "x", shape: [3, 5]} : f32[3, 5]', "  return {y: %x}"),
    line: 3, col: 9, message: /^'x' is already declared at 2:8$/ },

  // Limits. Nesting counts the attribute record, so the 64th '[' inside it is one level too many.
  { what: "lists nested 1000 deep", text: graph(`  %0 = sum(%x) {axes: ${"[".repeat(1000)}${"]".repeat(1000)}} : f32[5]`, "  return {y: %0}"),
    line: 3, col: 86, message: /^lists and records nest deeper than 64 levels \(the limit for attribute values\)$/ },
  { what: "records nested 100 deep", text: graph(`  %0 = sum(%x) {axes: ${"{a: ".repeat(100)}1${"}".repeat(100)}} : f32[5]`, "  return {y: %0}"),
    line: 3, col: 275, message: /^lists and records nest deeper than 64 levels/ },
  { what: "100,000 unclosed '['", text: graph(`  %0 = sum(%x) {axes: ${"[".repeat(100_000)}`),
    line: 3, col: 86, message: /^lists and records nest deeper than 64 levels/ },
  { what: "lists nested to the limit are only refused for their value", text: graph(`  %0 = sum(%x) {axes: ${"[".repeat(63)}${"]".repeat(63)}} : f32[5]`, "  return {y: %0}"),
    line: 3, col: 17, message: /^sum\(f32\[3, 5\]\): attribute 'axes' must be a list of integers/ },
  { what: "a 309-digit dimension", text: graph(`  %0 = neg(%x) : f32[3, ${"9".repeat(309)}]`, "  return {y: %0}"),
    line: 3, col: 25, message: /^dimension 999999999999\.\.\. \(309 digits\) exceeds the maximum 9007199254740991 \(2\^53 - 1\)$/ },
  { what: "a dimension of 1e23 in digits", text: leaf("[1e23]", "f32[100000000000000000000000]"),
    line: 2, col: 61, message: /^dimension 100000000000000000000000 exceeds the maximum 9007199254740991/ },
  { what: "a dimension of 1e23 as a float literal", text: leaf("[1e23]", "f32[1e+23]"),
    line: 2, col: 61, message: /^dimension must be a non-negative integer or a symbol, got '1e\+23'$/ },
  { what: "a dimension of 2^53 + 1 (which a number rounds to 2^53)", text: leaf("[9007199254740993]", "f32[9007199254740993]"),
    line: 2, col: 73, message: /^dimension 9007199254740993 exceeds the maximum 9007199254740991/ },
  { what: "a dimension of 2^53", text: leaf("[9007199254740992]", "f32[9007199254740992]"),
    line: 2, col: 73, message: /^dimension 9007199254740992 exceeds the maximum/ },
  { what: "a product of dimensions past the maximum", text: graph("  %0 = neg(%x) : f32[3, 4294967296*2097152]", "  return {y: %0}"),
    line: 3, col: 25, message: /^dimension 4294967296\*2097152 \(factor 9007199254740992\) exceeds the maximum/ },

  // Object.prototype's names are names like any other: unknown attribute keys, and no value words.
  { what: "'__proto__' as an attribute key", text: graph("  %0 = neg(%x) {__proto__: 2} : f32[3, 5]", "  return {y: %0}"),
    line: 3, col: 17, message: /^neg\(f32\[3, 5\]\): unknown attribute '__proto__' \(known: none\)$/ },
  { what: "'__proto__' with a record value", text: graph("  %0 = neg(%x) {__proto__: {axes: [0]}} : f32[3, 5]", "  return {y: %0}"),
    line: 3, col: 17, message: /^neg\(f32\[3, 5\]\): unknown attribute '__proto__' \(known: none\)$/ },
  { what: "'constructor' as an attribute key", text: graph("  %0 = neg(%x) {constructor: 2} : f32[3, 5]", "  return {y: %0}"),
    line: 3, col: 17, message: /^neg\(f32\[3, 5\]\): unknown attribute 'constructor' \(known: none\)$/ },
  { what: "'toString' beside known attributes", text: graph("  %0 = sum(%x) {axes: [0], toString: {}} : f32[5]", "  return {y: %0}"),
    line: 3, col: 28, message: /^sum\(f32\[3, 5\]\): unknown attribute 'toString' \(known: axes, keepdims\)$/ },
  { what: "'__proto__' as a key of a record value is kept (and then refused by the attribute's kind)", text: graph("  %0 = sum(%x) {axes: {__proto__: 1}} : f32[5]", "  return {y: %0}"),
    line: 3, col: 17, message: /^sum\(f32\[3, 5\]\): attribute 'axes' must be a list of integers, got \{__proto__: 1\}$/ },
  { what: "'constructor' as a value", text: graph("  %0 = sum(%x) {axes: constructor} : f32[5]", "  return {y: %0}"),
    line: 3, col: 23, message: /^expected a value \(.*\) but found 'constructor'$/ },
  { what: "'__proto__' returned twice", text: graph("  return {__proto__: %x, __proto__: %x}"),
    line: 3, col: 26, message: /^output '__proto__' is already returned at 3:11$/ },

  // No graph at all.
  { what: "an empty text", text: "", line: 1, col: 1, message: /^no graph: the text is empty$/ },
  { what: "a text of blank lines", text: "\n  \n", line: 1, col: 1, message: /^no graph: the text is empty$/ },
  { what: "a text of comments", text: "# one\n// two\n", line: 1, col: 1, message: /^no graph: the text is only comments$/ },
  { what: "two graphs where one is wanted", text: `${graph("  return {y: %x}")}\n${graph("  return {y: %x}").replace("graph g", "graph h")}`,
    line: 5, col: 1, message: /^expected exactly one graph, found 2 \(use parseModule\)$/ },
];

for (const c of cases) {
  test(`parse error: ${c.what}`, () => {
    assert.throws(() => parse(c.text), (e: unknown) => {
      assert.ok(e instanceof ParseError, `not a ParseError: ${String(e)}`);
      assert.match(e.reason, c.message);
      assert.deepEqual([e.line, e.column], [c.line, c.col], `${e.message}\n--- text ---\n${c.text}`);
      assert.equal(e.message, `${c.line}:${c.col}: ${e.reason}`);
      return true;
    });
  });
}

test("parse wants exactly one graph; parseModule takes one or more", () => {
  const one = graph("  return {y: %x}");
  assert.throws(() => parseModule(""), (e: unknown) => e instanceof ParseError && e.message === "1:1: no graph: the text is empty");
  assert.throws(() => parseModule("# nothing\n"), (e: unknown) => e instanceof ParseError && e.message === "1:1: no graph: the text is only comments");
  assert.equal(parseModule(`${one}\n${one.replace("graph g", "graph h")}`).length, 2);
  assert.throws(() => parse(`${one}\n${one.replace("graph g", "graph h")}`), /found 2/);
  assert.throws(() => parseModule(`${one}\n${one}`), (e: unknown) => e instanceof ParseError && e.line === 5 && /graph 'g' is already defined at 1:7/.test(e.message));
});

// ---------------------------------------------------------------------------------------------
// Limits, names and positions beyond single errors

test("the stated limits are the ones enforced", () => {
  assert.equal(MAX_NESTING, 64);
  assert.equal(MAX_DIM, 2 ** 53 - 1);
});

test("the largest dimension parses and round-trips exactly", () => {
  const text = leaf("[9007199254740991]", "f32[9007199254740991]") + "\n";
  const g = parse(text);
  verify(g);
  assert.deepEqual(g.inputs[0]!.shape, [9007199254740991]);
  assert.equal(print(g), text);
  // As the coefficient of a symbolic dimension, written as a product (3 * 3002399751580330).
  const sym = parse(leaf('["9007199254740990*B"]', "f32[3*B*3002399751580330]"));
  assert.deepEqual(sym.inputs[0]!.shape, ["9007199254740990*B"]);
  assert.match(print(sym), /: f32\[9007199254740990\*B\]\n/);
});

test("the printer writes huge dimensions in digits, and the verifier refuses them", () => {
  // Built in code, where nothing bounds a dimension; String(1e23) would print '1e+23'.
  const x = input("x", "f32", [1e23, 3]);
  const g = new Graph("g", [x], [], [{ name: "y", node: x }]);
  assert.match(print(g), /: f32\[99999999999999991611392, 3\]\n/);
  assert.throws(() => verify(g), (e: unknown) =>
    e instanceof VerifyError && /dimension 99999999999999991611392 exceeds the maximum 9007199254740991/.test(e.reason) && e.line === undefined);
  assert.throws(() => parse(print(g)), (e: unknown) => e instanceof ParseError && /exceeds the maximum/.test(e.reason));
});

test("Object.prototype's names are names like any other: accepted where any name is, and round-trip", () => {
  const text = [
    "graph __proto__ {",
    '  %__proto__ = input {dtype: "f32", name: "__proto__", shape: [3]} : f32[3]',
    '  %constructor = param {dtype: "f32", name: "constructor", shape: [3]} : f32[3]',
    "  %0 = add(%__proto__, %constructor) : f32[3]",
    "  return {__proto__: %0, constructor: %__proto__, toString: %constructor}",
    "}",
    "",
  ].join("\n");
  const g = parse(text);
  verify(g);
  assert.equal(g.name, "__proto__");
  assert.deepEqual(g.outputs.map((o) => o.name), ["__proto__", "constructor", "toString"]);
  assert.equal(g.output("__proto__"), g.nodes()[2]);
  assert.deepEqual([g.inputs[0]!.attrs["name"], g.params[0]!.attrs["name"]], ["__proto__", "constructor"]);
  assert.equal(print(g), text);
  // Quoted, the same names.
  assert.equal(print(parse(text.replace("return {__proto__", 'return {"__proto__"'))), text);
});

test("verifier errors about what a text wrote carry its line and column", () => {
  const cases: [string, number, number, RegExp][] = [
    [['graph "a b" {', X, "  return {y: %x}", "}"].join("\n"), 1, 7, /^graph name "a b" must match/],
    [["graph 12 {", X, "  return {y: %x}", "}"].join("\n"), 1, 7, /^graph name "12" must match/],
    [['graph "" {', X, "  return {y: %x}", "}"].join("\n"), 1, 7, /^graph name "" must match/],
    [graph('  return {y: %x, "out 1": %x}'), 3, 18, /^output name "out 1" must match/],
    [graph("  return {y: %x, 7: %x}"), 3, 18, /^output name "7" must match/],
  ];
  for (const [text, line, col, reason] of cases) {
    const g = parse(text);
    assert.throws(() => verify(g), (e: unknown) => {
      assert.ok(e instanceof VerifyError, `not a VerifyError: ${String(e)}`);
      assert.match(e.reason, reason);
      assert.deepEqual([e.line, e.column], [line, col], e.message);
      assert.equal(e.message, `${line}:${col}: graph '${g.name}': ${e.reason}`);
      return true;
    });
  }
});
