// Output files, all-or-nothing: every write goes to a temporary name in the same folder and is
// renamed into place (a crash or a failed run never leaves a half-written file under the real
// name), and the paths a command will write are checked before any work, so a mistyped folder
// fails in milliseconds rather than after the whole computation.

import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Writes `data` to `path` through a temporary file renamed into place. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function kind(path: string): "file" | "folder" | "other" | "missing" {
  try {
    const s = statSync(path);
    return s.isFile() ? "file" : s.isDirectory() ? "folder" : "other";
  } catch {
    return "missing";
  }
}

/** An output file: its folder must exist and the path must not be a folder. */
export function checkOutputFile(path: string, flag: string): void {
  const k = kind(path);
  if (k === "folder") throw new Error(`${flag} ${path} is a folder; give a file name`);
  if (k === "other") throw new Error(`${flag} ${path} exists and is not a regular file`);
  const dir = dirname(path);
  const d = kind(dir);
  if (d === "missing") throw new Error(`${flag} ${path}: the folder ${dir} does not exist`);
  if (d !== "folder") throw new Error(`${flag} ${path}: ${dir} is not a folder`);
}

/** An output folder: created now (with its parents) unless a file is in the way. */
export function ensureOutputFolder(path: string, flag: string): void {
  const k = kind(path);
  if (k === "folder") return;
  if (k !== "missing") throw new Error(`${flag} ${path} exists and is not a folder`);
  try {
    mkdirSync(path, { recursive: true });
  } catch (e) {
    throw new Error(`${flag} ${path}: cannot create the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
}
