// A small FileCheck: pass tests written as text. A case file holds directives in comments, then
// the IR:
//
//   # RUN: simplify, dce          passes to run, in order
//   # CHECK: %0 = exp(%x)         must appear, after the previous CHECK's match
//   # CHECK-NEXT: return          must be on the line right after the previous match
//   # CHECK-NOT: neg              must not appear between the previous and the next match
//
// The printed result of the passes is matched line by line (substring match per line).

import { parse } from "../../compiler/ir/parse.ts";
import { print } from "../../compiler/ir/text.ts";
import { runPipeline } from "../../compiler/passes/pipeline.ts";

export interface Directive {
  readonly kind: "CHECK" | "CHECK-NEXT" | "CHECK-NOT";
  readonly text: string;
  readonly line: number;
}

export function directives(text: string): { passes: string[]; checks: Directive[] } {
  const passes: string[] = [];
  const checks: Directive[] = [];
  text.split("\n").forEach((l, i) => {
    const m = /^\s*(?:#|\/\/)\s*(RUN|CHECK|CHECK-NEXT|CHECK-NOT):\s?(.*)$/.exec(l);
    if (!m) return;
    if (m[1] === "RUN") passes.push(...m[2]!.split(",").map((s) => s.trim()).filter(Boolean));
    else checks.push({ kind: m[1] as Directive["kind"], text: m[2]!.trim(), line: i + 1 });
  });
  return { passes, checks };
}

/** Run the case; returns the printed output, or throws with what failed to match. */
export function fileCheck(text: string, file: string): string {
  const { passes, checks } = directives(text);
  if (checks.length === 0) throw new Error(`${file}: no CHECK lines`);
  const out = print(runPipeline(parse(text, file), passes));
  const lines = out.split("\n");
  let pos = -1; // line of the last match
  let pendingNot: Directive[] = [];
  const fail = (d: Directive, why: string) => {
    throw new Error(`${file}:${d.line}: ${d.kind}: ${d.text}\n  ${why}\n--- output after ${passes.join(", ") || "no passes"} ---\n${out}`);
  };
  for (const d of checks) {
    if (d.kind === "CHECK-NOT") {
      pendingNot.push(d);
      continue;
    }
    let found = -1;
    if (d.kind === "CHECK-NEXT") {
      if (lines[pos + 1]?.includes(d.text)) found = pos + 1;
      else fail(d, `line ${pos + 2} of the output is '${lines[pos + 1] ?? "<end>"}'`);
    } else {
      found = lines.findIndex((l, i) => i > pos && l.includes(d.text));
      if (found < 0) fail(d, "not found after the previous match");
    }
    for (const n of pendingNot) {
      const bad = lines.slice(pos + 1, found).findIndex((l) => l.includes(n.text));
      if (bad >= 0) fail(n, `found on output line ${pos + 2 + bad}`);
    }
    pendingNot = [];
    pos = found;
  }
  for (const n of pendingNot) {
    const bad = lines.slice(pos + 1).findIndex((l) => l.includes(n.text));
    if (bad >= 0) fail(n, `found on output line ${pos + 2 + bad}`);
  }
  return out;
}
