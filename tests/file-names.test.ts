// Source file names are kebab-case (lower case, digits, '-' between words; dots only before the
// extension parts: x.test.ts, x.d.ts), so a path says nothing about who wrote the file.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { basename } from "node:path";
import { test } from "vitest";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+)*\.(ts|js)$/;

test("every tracked TypeScript and JavaScript file has a kebab-case name", () => {
  const files = execFileSync("git", ["ls-files", "*.ts", "*.js"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
  assert.ok(files.length > 100, `git ls-files found only ${files.length} files`);
  const bad = files.filter((f) => !KEBAB.test(basename(f)));
  assert.deepEqual(bad, [], `not kebab-case: ${bad.join(", ")}`);
});
