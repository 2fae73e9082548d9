// .npy files: read and write one array (the format itself, in memory, is npy-format.ts).

import { readFileSync } from "node:fs";
import { writeFileAtomic } from "./files.ts";
import type { NpyArray, NpyData, NpyDType } from "./npy-format.ts";
import { encodeNpy, parseNpy } from "./npy-format.ts";

export * from "./npy-format.ts";

export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  return parseNpy(bytes, path);
}

/** Writes a .npy file atomically (temporary name, then rename). */
export function writeNpy(path: string, a: { readonly shape: readonly number[]; readonly data: NpyData; readonly dtype?: NpyDType }): void {
  writeFileAtomic(path, encodeNpy(a));
}
