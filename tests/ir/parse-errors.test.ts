// Malformed IR texts: each must fail with a ParseError at the right line and column, saying what
// was expected.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ParseError, parse, parseModule } from "../../compiler/ir/parse.ts";

const X = `  %x = input {dtype: "f32", name: "x", shape: [3, 5]} : f32[3, 5]`;
const graph = (...lines: string[]) => ["graph g {", X, ...lines, "}"].join("\n");

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

test("parse wants exactly one graph; parseModule takes any number", () => {
  const one = graph("  return {y: %x}");
  assert.equal(parseModule("").length, 0);
  assert.equal(parseModule(`${one}\n${one.replace("graph g", "graph h")}`).length, 2);
  assert.throws(() => parse(""), /expected exactly one graph, found 0/);
  assert.throws(() => parse(`${one}\n${one.replace("graph g", "graph h")}`), /found 2/);
  assert.throws(() => parseModule(`${one}\n${one}`), (e: unknown) => e instanceof ParseError && e.line === 5 && /graph 'g' is already defined at 1:7/.test(e.message));
});
