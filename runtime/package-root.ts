// The folder of the showo-compiler package: the repository when the sources run directly, the
// installed package when its built dist/ runs. Found by walking up from this module to the first
// package.json named showo-compiler, so both layouts resolve the same shipped files.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function packageRoot(): string {
  if (cached !== undefined) return cached;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, "utf8")) as { name?: unknown }).name === "showo-compiler") return (cached = dir);
      } catch {
        // not ours (or unreadable): keep walking up
      }
    }
    if (dirname(dir) === dir) throw new Error(`showo-compiler: no package.json named showo-compiler above ${start}`);
  }
}
