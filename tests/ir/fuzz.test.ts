// Fuzzing the IR text parser: thousands of mutations of real IR texts (the hand-written cases and
// printed model graphs). Whatever the text, parsing and verifying either succeed or fail with a
// ParseError or VerifyError that says where (line:col inside the text); nothing else may escape.
// Every text that is accepted prints to a canonical form that parses and prints identically.
//
// The seed is fixed so that a failure replays; FUZZ_SEED picks another to explore.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "vitest";
import { ParseError, parseModule } from "../../compiler/ir/parse.ts";
import { print, printModule } from "../../compiler/ir/text.ts";
import { VerifyError, verify } from "../../compiler/ir/verify.ts";
import { getModel } from "../../models/index.ts";

const SEED = process.env["FUZZ_SEED"] ? Number(process.env["FUZZ_SEED"]) >>> 0 : 0x15_0003;
const MUTANTS_PER_TEXT = 700;

/** mulberry32: small, fast, and the same sequence on every machine. */
function rngFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (rand: Rand, n: number) => Math.floor(rand() * n);
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[int(rand, xs.length)]!;

// ---------------------------------------------------------------------------------------------
// Mutations

/** Tokens roughly as the lexer sees them (whitespace kept, so joining gives the text back). */
const TOKEN = /%[A-Za-z0-9_.]+|"(?:[^"\\\n]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_.]*|\s+|[^]/g;
const tokens = (text: string) => text.match(TOKEN) ?? [];
const isSpace = (t: string) => /^\s+$/.test(t);

const CHARS = [..."{}[](),:=*%#\"\\/-.+0123456789eEBLx_ \n\r\t", "\u0000", "\u00e9", "\u2028", "\u{1F600}", "@", "'"];
const PROTO_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "prototype", "__defineGetter__"];
const NUMBERS = [
  "9".repeat(309), "1e23", "1e+23", "100000000000000000000000", "9007199254740993", "9007199254740992",
  "9007199254740991", "4294967296", "1e400", "-1", "-0", "0", "1.5", "0.00001", "1e-7", "00012", "1" + "0".repeat(40),
];
const WORDS = [
  "graph", "return", "%0", "%1", "%x", "%99", "inf", "-inf", "nan", "null", "true", "false", "[]", "{}", "[3]",
  "f16", "i32", "bool", "B", "L*B", "2*B", "neg", "add", "reshape", "input", "param", "constant", '"x"', '""', ":", ",",
];

/** Indices of the tokens that satisfy `ok`. */
const where = (ts: readonly string[], ok: (t: string) => boolean) => ts.flatMap((t, i) => (ok(t) ? [i] : []));

/** Replace one token that satisfies `ok` (or leave the text alone when none does). */
function replaceToken(rand: Rand, text: string, ok: (t: string) => boolean, by: (t: string) => string): string {
  const ts = tokens(text);
  const idx = where(ts, ok);
  if (!idx.length) return text;
  const i = pick(rand, idx);
  ts[i] = by(ts[i]!);
  return ts.join("");
}

function matchingClose(text: string, open: number): number {
  const close = text[open] === "[" ? "]" : "}";
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === text[open]) depth++;
    else if (text[i] === close && --depth === 0) return i;
  }
  return text.length;
}

type Mutation = (rand: Rand, text: string) => string;

const MUTATIONS: Record<string, Mutation> = {
  insertChar: (rand, t) => {
    const at = int(rand, t.length + 1);
    return t.slice(0, at) + pick(rand, CHARS) + t.slice(at);
  },
  deleteChars: (rand, t) => {
    const at = int(rand, t.length);
    return t.slice(0, at) + t.slice(at + 1 + int(rand, 8));
  },
  duplicateChars: (rand, t) => {
    const from = int(rand, t.length), to = from + 1 + int(rand, 40), at = int(rand, t.length + 1);
    return t.slice(0, at) + t.slice(from, to) + t.slice(at);
  },
  duplicateLine: (rand, t) => {
    const lines = t.split("\n"), i = int(rand, lines.length);
    lines.splice(i, 0, lines[i]!);
    return lines.join("\n");
  },
  deleteLine: (rand, t) => {
    const lines = t.split("\n");
    lines.splice(int(rand, lines.length), 1);
    return lines.join("\n");
  },
  truncate: (rand, t) => t.slice(0, int(rand, t.length)),
  inflateNumber: (rand, t) => replaceToken(rand, t, (x) => /^-?\d/.test(x), () => pick(rand, NUMBERS)),
  inflateDigits: (rand, t) => replaceToken(rand, t, (x) => /^\d+$/.test(x), (x) => x + "9".repeat(1 + int(rand, 30))),
  hugeDim: (rand, t) => {
    // A number inside a type's brackets (after ':'), where dimensions live.
    const m = [...t.matchAll(/: [a-z0-9]+\[[^\]\n]*\]/g)];
    if (!m.length) return t;
    const hit = pick(rand, m), at = hit.index + hit[0].indexOf("[") + 1;
    return t.slice(0, at) + pick(rand, NUMBERS) + (rand() < 0.5 ? ", " : "*") + t.slice(at);
  },
  deepen: (rand, t) => {
    // Wrap an existing list or record in k more brackets, balanced: around the limit, and far past it.
    const opens = [...t.matchAll(/[[{]/g)].map((m) => m.index);
    if (!opens.length) return t;
    const open = pick(rand, opens), close = matchingClose(t, open);
    const k = pick(rand, [1, 2, 62, 63, 64, 65, 200, 1000, 5000]);
    const [l, r] = rand() < 0.5 ? ["[".repeat(k), "]".repeat(k)] : ["{a: ".repeat(k), "}".repeat(k)];
    return t.slice(0, open) + l + t.slice(open, close + 1) + r + t.slice(close + 1);
  },
  unbalancedOpen: (rand, t) => {
    const at = int(rand, t.length + 1);
    return t.slice(0, at) + pick(rand, ["[", "{", "(", "{k: [", "[{a: "]).repeat(pick(rand, [10, 100, 3000])) + t.slice(at);
  },
  swapTokens: (rand, t) => {
    const ts = tokens(t), idx = where(ts, (x) => !isSpace(x));
    if (idx.length < 2) return t;
    const i = pick(rand, idx), j = pick(rand, idx);
    [ts[i], ts[j]] = [ts[j]!, ts[i]!];
    return ts.join("");
  },
  replaceWord: (rand, t) => replaceToken(rand, t, (x) => !isSpace(x), () => pick(rand, WORDS)),
  protoName: (rand, t) => replaceToken(rand, t, (x) => /^[A-Za-z_]/.test(x), () => pick(rand, PROTO_NAMES)),
  protoLabel: (rand, t) => replaceToken(rand, t, (x) => x.startsWith("%"), () => `%${pick(rand, PROTO_NAMES)}`),
  protoString: (rand, t) => replaceToken(rand, t, (x) => x.startsWith('"'), () => JSON.stringify(pick(rand, PROTO_NAMES))),
  protoKey: (rand, t) => {
    // A new first key in a record (an attribute, or a nested record value).
    const opens = [...t.matchAll(/\{/g)].map((m) => m.index);
    if (!opens.length) return t;
    const at = pick(rand, opens) + 1;
    return `${t.slice(0, at)}${pick(rand, PROTO_NAMES)}: ${pick(rand, ["1", "{}", "[2]", '"s"', "{x: 1}"])}, ${t.slice(at)}`;
  },
  protoOutput: (rand, t) => {
    // A new output, returning the first label of the graph.
    const label = /%[A-Za-z0-9_.]+/.exec(t)?.[0];
    const at = t.indexOf("return {");
    if (!label || at < 0) return t;
    const name = rand() < 0.5 ? pick(rand, PROTO_NAMES) : JSON.stringify(pick(rand, PROTO_NAMES));
    return `${t.slice(0, at + 8)}${name}: ${label}, ${t.slice(at + 8)}`;
  },
  // Mutations that mostly keep a text valid, so that the round trip is exercised too.
  respace: (rand, t) => {
    const ts = tokens(t), i = int(rand, ts.length + 1);
    ts.splice(i, 0, pick(rand, [" ", "\n", "\t", "  ", "\r\n", " # note\n", " // note\n", "\n\n"]));
    return ts.join("");
  },
  respellNumber: (rand, t) => replaceToken(rand, t, (x) => /^-?\d/.test(x), (x) => {
    const v = Number(x);
    return pick(rand, [v.toExponential(), v.toExponential().toUpperCase(), String(v), `${x}0`.includes(".") ? `${x}0` : x, v.toFixed(3)]);
  }),
  escapeString: (rand, t) => replaceToken(rand, t, (x) => /^"[^"\\]+"$/.test(x), (x) => {
    const i = 1 + int(rand, x.length - 2);
    return `${x.slice(0, i)}\\u${x.charCodeAt(i).toString(16).padStart(4, "0")}${x.slice(i + 1)}`;
  }),
  quoteName: (rand, t) => replaceToken(rand, t, (x) => /^[A-Za-z_][A-Za-z0-9_.]*$/.test(x), (x) =>
    rand() < 0.5 ? JSON.stringify(x) : JSON.stringify(`${x} ${x}`)),
  reorderKeys: (rand, t) => {
    // Swap two adjacent `key: value` entries of a record whose values are flat.
    const recs = [...t.matchAll(/\{([^{}\[\]\n]*(?:\[[^\[\]\n]*\][^{}\[\]\n]*)*)\}/g)];
    if (!recs.length) return t;
    const r = pick(rand, recs);
    const entries = r[1]!.split(/, (?=[A-Za-z_"]+:)/);
    if (entries.length < 2) return t;
    const i = int(rand, entries.length - 1);
    [entries[i], entries[i + 1]] = [entries[i + 1]!, entries[i]!];
    return t.slice(0, r.index + 1) + entries.join(", ") + t.slice(r.index + r[0].length - 1);
  },
  commentOut: (rand, t) => {
    const lines = t.split("\n"), i = int(rand, lines.length);
    lines[i] = `# ${lines[i]}`;
    return lines.join("\n");
  },
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

// ---------------------------------------------------------------------------------------------
// The texts

function corpus(): { name: string; text: string }[] {
  const dir = new URL("./cases/", import.meta.url);
  const cases = readdirSync(dir).filter((f) => f.endsWith(".ir")).sort()
    .map((f) => ({ name: f, text: readFileSync(new URL(f, dir), "utf8") }));
  // Model graphs as the registry names them ("showo-tiny" prints quoted).
  const models = ["mlp", "showo-tiny"].map((m) => ({ name: m, text: print(getModel(m).build({}).graph) }));
  return [...cases, ...models];
}

// ---------------------------------------------------------------------------------------------
// The check

type Outcome = "accepted" | "parse error" | "verify error";

/** Where a text's line `line` ends (columns are 1-based, so one past its last character is allowed). */
function lineLength(text: string, line: number): number | undefined {
  return text.split(/\r\n?|\n/)[line - 1]?.length;
}

/** Parse, verify and round-trip one text; throws (an assertion) on anything the parser must not do. */
function check(text: string): Outcome {
  let graphs;
  try {
    graphs = parseModule(text, "fuzz.ir");
    graphs.forEach(verify);
  } catch (e) {
    if (!(e instanceof ParseError) && !(e instanceof VerifyError)) throw e;
    const { line, column } = e;
    assert.ok(line !== undefined && column !== undefined, `${e.name} without a position: ${e.message}`);
    const len = lineLength(text, line);
    assert.ok(len !== undefined && column >= 1 && column <= len + 1, `${e.name} at ${line}:${column}, outside the text: ${e.message}`);
    return e instanceof ParseError ? "parse error" : "verify error";
  }
  const printed = printModule(graphs);
  const again = parseModule(printed, "printed.ir");
  again.forEach(verify);
  assert.equal(printModule(again), printed, "print(parse(text)) does not print identically after parsing again");
  return "accepted";
}

const shorten = (s: string) => (s.length > 1500 ? `${s.slice(0, 1500)}... (${s.length} chars)` : s);

test(`fuzz: ${MUTANTS_PER_TEXT} mutations of each IR text parse, verify and round-trip or fail with a position`, async (t) => {
  const rand = rngFrom(SEED);
  const texts = corpus();
  const counts: Record<Outcome, number> = { accepted: 0, "parse error": 0, "verify error": 0 };
  const failures: string[] = [];
  let n = 0;
  for (const { name, text } of texts) {
    assert.equal(check(text), "accepted", `${name} itself`);
    for (let i = 0; i < MUTANTS_PER_TEXT; i++, n++) {
      let mutant = text;
      const applied: string[] = [];
      for (let k = 1 + int(rand, 3); k > 0; k--) {
        const m = pick(rand, MUTATION_NAMES);
        applied.push(m);
        mutant = MUTATIONS[m]!(rand, mutant);
      }
      try {
        counts[check(mutant)]++;
      } catch (e) {
        failures.push(`mutant ${n} of ${name} (${applied.join(", ")}): ${(e as Error).stack ?? String(e)}\n--- text ---\n${shorten(mutant)}`);
      }
    }
  }
  await t.annotate(`seed ${SEED}: ${n} mutants; ${JSON.stringify(counts)}`);
  assert.equal(failures.length, 0, `${failures.length} of ${n} mutants failed (seed ${SEED}); the first:\n${failures.slice(0, 3).join("\n\n")}`);
  assert.ok(n >= 2000, `${n} mutants`);
  // The mutations must leave some texts acceptable, or the round trip is never tested.
  assert.ok(counts.accepted >= 100, `only ${counts.accepted} mutants were accepted`);
});
