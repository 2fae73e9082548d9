// The `showo` command line (started by cli/showo.js, which picks a Node that runs TypeScript).
//
// Each verb is one file in cli/commands/ that exports
//
//   export function register(program: Command): void   // Command from "commander"
//
// and adds its subcommand there (program.command("demo").description(...).action(...)). Files are
// found at start-up, so adding a verb is adding a file; `showo --help` lists every verb.
//
// A command reports failure by throwing: the message is printed as `showo: error: ...` and the
// process exits 1. SHOWO_DEBUG=1 prints the stack as well.

import { Command } from "commander";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../runtime/package-root.ts";

const commandsDir = new URL("./commands/", import.meta.url);
// The sources run as .ts; the installed package runs its built .js.
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/** The verb files in cli/commands/, sorted (tests and declaration files excluded). */
function commandFiles(): string[] {
  let names: string[];
  try {
    names = readdirSync(commandsDir);
  } catch {
    return []; // no verbs yet
  }
  return names.filter((f) => f.endsWith(ext) && !f.endsWith(".d.ts") && !f.endsWith(`.test${ext}`)).sort();
}

async function registerCommands(program: Command): Promise<void> {
  for (const file of commandFiles()) {
    let mod: { register?: unknown };
    try {
      mod = (await import(new URL(file, commandsDir).href)) as { register?: unknown };
    } catch (e) {
      throw new Error(`cli/commands/${file} failed to load: ${(e as Error).message}`, { cause: e });
    }
    if (typeof mod.register !== "function") {
      throw new Error(`cli/commands/${file} does not export a register(program) function`);
    }
    (mod.register as (program: Command) => void)(program);
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

function fail(e: unknown): never {
  if (process.env["SHOWO_DEBUG"] === "1") {
    console.error(e); // the stack, and the cause's
  } else {
    console.error(`showo: error: ${e instanceof Error ? e.message : String(e)}`);
  }
  process.exit(1);
}

const program = new Command("showo")
  .description("Show-o through a TypeScript graph compiler: a typed model DSL, Graph IR, passes, WebGPU and CUDA backends")
  .version(version())
  .showSuggestionAfterError()
  .showHelpAfterError("(run 'showo --help' for the list of commands)");

try {
  await registerCommands(program);
  const verb = process.argv[2];
  if (verb !== undefined && verb !== "help" && !verb.startsWith("-") && !program.commands.some((c) => c.name() === verb || c.aliases().includes(verb))) {
    const known = program.commands.map((c) => c.name());
    throw new Error(`unknown command '${verb}' (${known.length ? `commands: ${known.join(", ")}` : "no commands are defined yet: cli/commands/ is empty"})`);
  }
  await program.parseAsync(process.argv);
} catch (e) {
  fail(e);
}
