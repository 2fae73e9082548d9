// FileCheck for pass tests: a case file holds Graph IR and, in comments (# or //), directives that
// say which passes to run and what the printed result must hold. The habit and the spelling are
// LLVM's and MLIR's (`// RUN: ... | FileCheck %s`, `-split-input-file`, `invalid.mlir`); this is
// the part of it pass tests here need.
//
//   # RUN: simplify, dce                  passes for every case of the file, in order; a pass
//   # RUN: bind-dims {"dims": {"B": 2}}    takes its options as JSON after its name; RUN lines in
//                                          a later case (after a // -----) replace them for it
//   # CHECK: = exp(%x)                     a later line than the previous match contains this
//   # CHECK-NEXT: return                   the line right after the previous match does
//   # CHECK-NOT: neg                       no line between the previous and the next match does
//   # CHECK-DAG: = exp(%x)                 a run of DAGs matches distinct lines, in any order
//   # CHECK-LABEL: graph g {               cuts the output at this line: the checks after a label
//                                          (up to the next) see only the lines up to the next label
//   # EXPECT-ERROR@+1:7: unknown op 'x'    the case must fail (parse, verify or a pass) with this
//                                          message at line +1 from here (@N: line N), column 7
//                                          (optional); with no @, at no position
//
// Patterns: text matches literally, `{{re}}` is a regular expression, `[[X:re]]` matches re and
// captures what it matched as X, `[[X]]` matches exactly what X captured (on the same line or an
// earlier one; captures end at the next CHECK-LABEL, since value numbers restart in each graph).
// So a check says "the add of the exp" without pinning value numbers:
//
//   # CHECK: [[E:%\d+]] = exp(%x)
//   # CHECK: = add([[E]], %y)
//
// Cases: a line `// -----` (or `# -----`) splits the file into cases, as MLIR's
// -split-input-file: each is parsed, verified, run through the RUN passes, verified again,
// printed (one or more graphs) and checked on its own, so one file holds many errors. Line
// numbers in messages stay the file's. Matching is by output line: a match uses up its line.

import type { Graph } from "../../compiler/ir/graph.ts";
import { ParseError, parseModule } from "../../compiler/ir/parse.ts";
import { printModule } from "../../compiler/ir/text.ts";
import { VerifyError, verify } from "../../compiler/ir/verify.ts";
import type { PassSpec } from "../../compiler/passes/pipeline.ts";
import { runPipeline } from "../../compiler/passes/pipeline.ts";

export type CheckKind = "CHECK" | "CHECK-NEXT" | "CHECK-NOT" | "CHECK-DAG" | "CHECK-LABEL";

export interface Check {
  readonly kind: CheckKind;
  readonly text: string;
  /** 1-based line of the directive in the file. */
  readonly line: number;
}

export interface ExpectError {
  readonly text: string;
  readonly line: number;
  /** Where the error must be reported; absent: at no position. */
  readonly at?: { readonly line: number; readonly column?: number };
}

export interface Case {
  /** 1-based line of the case's first line in the file. */
  readonly firstLine: number;
  /** The case's own passes (RUN lines after a split), in place of the file's. */
  readonly passes?: readonly PassSpec[];
  /** The case's text, preceded by blank lines so that the parser's line numbers are the file's. */
  readonly text: string;
  readonly checks: readonly Check[];
  readonly expect?: ExpectError;
}

const SPLIT = /^\s*(?:\/\/|#)\s*-----\s*$/;
const DIRECTIVE = /^\s*(?:#|\/\/)\s*(RUN|CHECK(?:-NEXT|-NOT|-DAG|-LABEL)?|EXPECT-ERROR(?:@([+-]?\d+)(?::(\d+))?)?):\s?(.*)$/;
// Looks like a directive but is none of the above (CHECK-NXT:, EXPECT-ERROR@x:): refused, so a typo
// does not make a check silently vanish.
const ALMOST = /^\s*(?:#|\/\/)\s*(?:CHECK|EXPECT|RUN)[A-Z@+\-0-9:]*:/;

/** Split "a, b {"k": [1, 2]}, c" at the commas outside braces, brackets and strings. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0, quoted = false, start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((x) => x.trim()).filter((x) => x);
}

/** A RUN line's passes: names, each optionally followed by JSON options. */
export function parseRun(text: string, where: string): PassSpec[] {
  return splitTopLevel(text).map((item) => {
    const m = /^([A-Za-z][\w-]*)\s*(\{[\s\S]*\})?$/.exec(item);
    if (!m) throw new Error(`${where}: RUN: '${item}' is not a pass name with optional JSON options`);
    if (!m[2]) return m[1]!;
    try {
      return { name: m[1]!, options: JSON.parse(m[2]) as Record<string, unknown> };
    } catch (e) {
      throw new Error(`${where}: RUN: options of '${m[1]}': ${(e as Error).message}`);
    }
  });
}

/** The file's passes and its cases with their directives. */
export function parseCaseFile(text: string, file: string): { passes: PassSpec[]; cases: Case[] } {
  const passes: PassSpec[] = [];
  const cases: Case[] = [];
  const lines = text.split("\n");
  let first = 0, checks: Check[] = [], expect: ExpectError | undefined, own: PassSpec[] | undefined;
  const close = (end: number) => {
    const body = lines.slice(first, end).join("\n");
    cases.push({ firstLine: first + 1, text: "\n".repeat(first) + body, checks, ...(expect ? { expect } : {}), ...(own ? { passes: own } : {}) });
    checks = [];
    expect = undefined;
    own = undefined;
  };
  lines.forEach((l, i) => {
    const where = `${file}:${i + 1}`;
    if (SPLIT.test(l)) {
      close(i);
      first = i + 1;
      return;
    }
    const m = DIRECTIVE.exec(l);
    if (!m) {
      if (ALMOST.test(l)) throw new Error(`${where}: unknown directive: ${l.trim()}`);
      return;
    }
    const [, kind, atLine, atCol, body] = m as unknown as [string, string, string | undefined, string | undefined, string];
    if (kind === "RUN") {
      if (cases.length === 0) passes.push(...parseRun(body, where));
      else (own ??= []).push(...parseRun(body, where));
    } else if (kind.startsWith("EXPECT-ERROR")) {
      if (expect) throw new Error(`${where}: a case expects one error (already at line ${expect.line}); split cases with '// -----'`);
      const line = atLine === undefined ? undefined : /^[+-]/.test(atLine) ? i + 1 + Number(atLine) : Number(atLine);
      expect = { text: body.trim(), line: i + 1, ...(line !== undefined ? { at: { line, ...(atCol !== undefined ? { column: Number(atCol) } : {}) } } : {}) };
    } else {
      if (!body.trim()) throw new Error(`${where}: ${kind} with an empty pattern`);
      checks.push({ kind: kind as CheckKind, text: body.trim(), line: i + 1 });
    }
  });
  close(lines.length);
  for (const c of cases) {
    if (c.expect && c.checks.length) throw new Error(`${file}:${c.expect.line}: a case that expects an error has no output to CHECK (line ${c.checks[0]!.line}); split cases with '// -----'`);
    if (!c.expect && !c.checks.length) throw new Error(`${file}:${c.firstLine}: no CHECK lines in this case`);
  }
  return { passes, cases };
}

// ---------------------------------------------------------------------------------------------
// Patterns

type Vars = ReadonlyMap<string, string>;

interface Pattern {
  readonly re: RegExp;
  /** Capture group → variable it defines. */
  readonly defines: ReadonlyMap<string, string>;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** A directive's text as a regular expression, uses replaced by the values of `vars`. */
function compilePattern(text: string, vars: Vars): Pattern {
  const defines = new Map<string, string>(); // group → variable
  const local = new Map<string, string>(); // variable → group, for uses later on the same line
  let src = "", last = 0;
  for (const m of text.matchAll(/\{\{(.*?)\}\}|\[\[([A-Za-z_]\w*)(?::(.*?))?\]\]/g)) {
    src += escapeRe(text.slice(last, m.index));
    last = m.index + m[0].length;
    const [, re, name, def] = m;
    if (re !== undefined) {
      src += `(?:${re})`;
    } else if (def !== undefined) {
      if (!def) throw new Error(`[[${name}:]] needs a pattern to capture`);
      const group = `v${defines.size}`;
      defines.set(group, name!);
      local.set(name!, group);
      src += `(?<${group}>${def})`;
    } else if (local.has(name!)) {
      src += `\\k<${local.get(name!)}>`;
    } else if (vars.has(name!)) {
      src += escapeRe(vars.get(name!)!);
    } else {
      throw new Error(`[[${name}]] is used before it is captured (captures: ${[...vars.keys()].join(", ") || "none"})`);
    }
  }
  src += escapeRe(text.slice(last));
  return { re: new RegExp(src), defines };
}

// ---------------------------------------------------------------------------------------------
// Matching one case's output

class CheckFailure extends Error {}

function checkOutput(out: string, checks: readonly Check[], file: string, heading: string): void {
  const lines = out.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  let vars = new Map<string, string>();
  const fail = (d: Check, why: string): never => {
    const bound = [...vars].map(([k, v]) => `${k} = ${v}`).join(", ");
    throw new CheckFailure(`${file}:${d.line}: ${d.kind}: ${d.text}\n  ${why}${bound ? `\n  (captured: ${bound})` : ""}\n--- ${heading} ---\n${out}`);
  };
  const pattern = (d: Check): Pattern => {
    try {
      const p = compilePattern(d.text, vars);
      if (p.defines.size && (d.kind === "CHECK-NOT" || d.kind === "CHECK-LABEL")) throw new Error(`${d.kind} cannot capture`);
      return p;
    } catch (e) {
      return fail(d, (e as Error).message);
    }
  };
  /** Line i matches d: binds what d captures and returns true. */
  const matchAt = (d: Check, p: Pattern, i: number): boolean => {
    const m = p.re.exec(lines[i]!);
    if (!m) return false;
    for (const [group, name] of p.defines) vars.set(name, m.groups![group]!);
    return true;
  };
  const lineText = (i: number) => (i < lines.length ? `line ${i + 1} of the output is '${lines[i]}'` : "the output ends there");

  // Labels first: each cuts the output, and the checks after it see only its part.
  const labels = checks.filter((d) => d.kind === "CHECK-LABEL");
  const labelAt: number[] = [];
  for (const d of labels) {
    const p = pattern(d);
    const from = (labelAt[labelAt.length - 1] ?? -1) + 1;
    const i = lines.findIndex((l, k) => k >= from && p.re.test(l));
    if (i < 0) fail(d, "not found after the previous label");
    labelAt.push(i);
  }
  let block = -1; // the label the current checks follow
  const end = () => labelAt[block + 1] ?? lines.length;
  let pos = -1; // the line of the last match
  let nots: Check[] = [];
  const checkNots = (from: number, to: number) => {
    for (const n of nots) {
      const p = pattern(n);
      for (let i = from; i < to; i++) if (p.re.test(lines[i]!)) fail(n, `found on ${lineText(i)}`);
    }
    nots = [];
  };

  for (let k = 0; k < checks.length; k++) {
    const d = checks[k]!;
    switch (d.kind) {
      case "CHECK-LABEL":
        checkNots(pos + 1, end());
        block++;
        pos = labelAt[block]!;
        vars = new Map(); // value numbers restart in the next graph
        break;
      case "CHECK-NOT":
        nots.push(d);
        break;
      case "CHECK-DAG": {
        const claimed: number[] = [];
        for (; k < checks.length && checks[k]!.kind === "CHECK-DAG"; k++) {
          const dag = checks[k]!, p = pattern(dag);
          let i = pos + 1;
          while (i < end() && (claimed.includes(i) || !matchAt(dag, p, i))) i++;
          if (i >= end()) fail(dag, "not found after the previous match (in any order with the CHECK-DAGs around it, each on its own line)");
          claimed.push(i);
        }
        k--;
        checkNots(pos + 1, Math.min(...claimed));
        pos = Math.max(...claimed);
        break;
      }
      case "CHECK-NEXT": {
        const p = pattern(d), i = pos + 1;
        if (i >= end() || !matchAt(d, p, i)) fail(d, i >= end() ? "the previous match is the last line here" : lineText(i));
        checkNots(pos + 1, i);
        pos = i;
        break;
      }
      case "CHECK": {
        const p = pattern(d);
        let i = pos + 1;
        while (i < end() && !matchAt(d, p, i)) i++;
        if (i >= end()) fail(d, `not found after the previous match${block >= 0 ? " before the next label" : ""}`);
        checkNots(pos + 1, i);
        pos = i;
        break;
      }
    }
  }
  checkNots(pos + 1, end());
}

// ---------------------------------------------------------------------------------------------
// Running cases

/** Parse, verify, run, verify again, print; or the error one of these threw. */
function runCase(c: Case, passes: readonly PassSpec[], file: string): { out: string } | { error: Error } {
  try {
    const graphs = parseModule(c.text, file);
    graphs.forEach(verify);
    const outs = graphs.map((g: Graph) => {
      const out = runPipeline(g, passes);
      verify(out);
      return out;
    });
    return { out: printModule(outs) };
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    return { error: e };
  }
}

/** Where an error points in the file, when it does. */
function errorPos(e: Error): { line: number; column: number } | undefined {
  if (e instanceof ParseError) return { line: e.line, column: e.column };
  if (e instanceof VerifyError && e.line !== undefined) return { line: e.line, column: e.column! };
  return undefined;
}

function checkError(c: Case, x: ExpectError, result: { out: string } | { error: Error }, file: string): void {
  const fail = (why: string): never => {
    throw new CheckFailure(`${file}:${x.line}: EXPECT-ERROR${x.at ? `@${x.at.line}${x.at.column !== undefined ? `:${x.at.column}` : ""}` : ""}: ${x.text}\n  ${why}`);
  };
  if ("out" in result) fail(`the case at line ${c.firstLine} ran without an error; it printed:\n${result.out}`);
  const e = (result as { error: Error }).error;
  const message = e.message.replace(/^\d+:\d+: /, "");
  const pos = errorPos(e);
  const shown = `${pos ? `${pos.line}:${pos.column}: ` : ""}${message}`;
  if (!compilePattern(x.text, new Map()).re.test(message)) fail(`the error is: ${shown}`);
  if (!x.at && pos) fail(`the error is at ${pos.line}:${pos.column}; say where: EXPECT-ERROR@${pos.line - x.line >= 0 ? "+" : ""}${pos.line - x.line}:${pos.column}`);
  if (x.at && !pos) fail(`the error has no position: ${shown}`);
  if (x.at && pos && (pos.line !== x.at.line || (x.at.column !== undefined && pos.column !== x.at.column))) fail(`the error is at ${pos.line}:${pos.column}: ${message}`);
}

/** Run every case of a file; returns the printed outputs, or throws with what failed to match. */
export function fileCheck(text: string, file: string): string {
  const { passes, cases } = parseCaseFile(text, file);
  const outs: string[] = [];
  for (const c of cases) {
    const run = c.passes ?? passes;
    const result = runCase(c, run, file);
    if (c.expect) {
      checkError(c, c.expect, result, file);
      continue;
    }
    if ("error" in result) {
      const pos = errorPos(result.error);
      const where = pos ? `${pos.line}:${pos.column}` : `${c.firstLine}`;
      throw new Error(`${file}:${where}: the case failed (it expects no error): ${result.error.message.replace(/^\d+:\d+: /, "")}`, { cause: result.error });
    }
    const names = run.map((p) => (typeof p === "string" ? p : p.name)).join(", ") || "no passes";
    checkOutput(result.out, c.checks, file, `output of the case at line ${c.firstLine} after ${names}`);
    outs.push(result.out);
  }
  return outs.join("// -----\n");
}
