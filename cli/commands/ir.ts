// `showo ir FILE.ir`: parse a Graph IR text (one or more graphs), verify it, optionally run passes,
// and print it again in canonical form. With no passes the output is the input without comments
// and with canonical spacing, numbering and attribute order: a quick way to check a hand-written
// test case or to see what a pass does to it.

import type { Command } from "commander";
import { readFileSync } from "node:fs";
import type { Graph } from "../../compiler/ir/graph.ts";
import { ParseError, parseModule } from "../../compiler/ir/parse.ts";
import { printModule } from "../../compiler/ir/text.ts";
import { VerifyError, verify } from "../../compiler/ir/verify.ts";
import { formatPipelineEvent, runPipeline } from "../../compiler/passes/pipeline.ts";

interface IrOptions {
  passes?: string;
  dumpAfter?: string;
  log?: boolean;
}

/**
 * Errors about the file's contents are reported as FILE:LINE:COL: (parse errors, and verify errors
 * about what the file wrote) or FILE: (verify errors after passes, which have no place in the file).
 * A file without a graph is a parse error too, not an empty output.
 */
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

export function runIr(file: string, opts: IrOptions): string {
  const text = readFileSync(file, "utf8");
  let graphs: Graph[];
  try {
    graphs = parseModule(text, file);
    graphs.forEach(verify);
  } catch (e) {
    if (e instanceof ParseError) fail(`${file}:${e.message}`);
    if (e instanceof VerifyError) fail(e.line !== undefined ? `${file}:${e.message}` : `${file}: ${e.message}`);
    throw e;
  }
  const passes = (opts.passes ?? "").split(",").map((s) => s.trim()).filter((s) => s);
  if (passes.length || opts.dumpAfter !== undefined) {
    graphs = graphs.map((g) => {
      const out = runPipeline(g, passes, {
        ...(opts.dumpAfter !== undefined ? { dumpAfter: opts.dumpAfter } : {}),
        ...(opts.log ? { log: (e) => process.stderr.write(`// ${formatPipelineEvent(e)}\n`) } : {}),
        note: (pass, message) => process.stderr.write(`// ${pass} on '${g.name}': ${message}\n`),
      });
      try {
        verify(out);
      } catch (e) {
        if (e instanceof VerifyError) fail(`${file}: after ${passes.join(",")}: ${e.message}`);
        throw e;
      }
      return out;
    });
  }
  return printModule(graphs);
}

export function register(program: Command): void {
  program
    .command("ir")
    .description("parse a Graph IR text file, verify it, run passes and print it in canonical form")
    .argument("<file>", "an .ir file holding one or more graphs")
    .option("--passes <list>", "comma-separated passes to run in order (e.g. simplify,dce)")
    .option("--dump-after <pass>", "print the IR to stderr after this pass (a comma-separated list, or 'all')")
    .option("--log", "print every rewrite rule that fires to stderr")
    .action((file: string, opts: IrOptions) => {
      process.stdout.write(runIr(file, opts));
    });
}
