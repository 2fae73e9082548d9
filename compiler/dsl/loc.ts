// Source locations of DSL calls, so a shape error points at the model line that caused it.
//
// Every DSL entry point calls `callerLoc()`. It reads the JavaScript stack of a fresh Error and
// returns the first frame outside the compiler's own DSL and IR code: the model file, a test, or
// whatever called the DSL. Node's type stripping replaces types with spaces, so line and column
// numbers of .ts files are the ones in the source.

import { fileURLToPath } from "node:url";
import { relative, sep } from "node:path";
import type { SourceLoc } from "../ir/graph.ts";

/** The project root (the folder holding compiler/), with a trailing separator. */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Frames in these folders are the compiler's own and never the place a user wrote. */
const INTERNAL = [`${ROOT}compiler${sep}dsl${sep}`, `${ROOT}compiler${sep}ir${sep}`];

// "    at Linear.forward (file:///p/compiler/dsl/nn.ts:30:14)" or "    at file:///p/m.ts:5:3"
const FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

function framePath(file: string): string | undefined {
  if (file.startsWith("file://")) {
    try {
      return fileURLToPath(file);
    } catch {
      return undefined;
    }
  }
  // node:internal frames and eval'd code have no file on disk.
  return file.startsWith("/") || /^[A-Za-z]:[\\/]/.test(file) ? file : undefined;
}

/** Parse one stack line into a path (absolute) and 1-based line and column. */
export function parseFrame(line: string): { path: string; line: number; col: number } | undefined {
  const m = FRAME.exec(line);
  if (!m) return undefined;
  const path = framePath(m[1]!);
  return path ? { path, line: Number(m[2]), col: Number(m[3]) } : undefined;
}

/** A path as error messages show it: relative to the project root when inside it. */
export function displayPath(path: string): string {
  if (!path.startsWith(ROOT)) return path;
  return relative(ROOT, path).split(sep).join("/");
}

/**
 * Where the current DSL call was made: the first stack frame outside compiler/dsl/ and
 * compiler/ir/, or undefined when there is none (a call made from inside the compiler itself).
 */
export function callerLoc(): SourceLoc | undefined {
  const limit = Error.stackTraceLimit;
  // Model code can sit many frames above the op that needs its location.
  Error.stackTraceLimit = 64;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  for (const text of stack.split("\n").slice(1)) {
    const f = parseFrame(text);
    if (!f || INTERNAL.some((dir) => f.path.startsWith(dir))) continue;
    return { file: displayPath(f.path), line: f.line, col: f.col };
  }
  return undefined;
}
