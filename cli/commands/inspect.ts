// `showo inspect CHECKPOINT`: list a safetensors checkpoint's tensors (name, dtype, shape, bytes)
// and the parameter each one maps to, from the header alone, so it works on multi-gigabyte files
// at once and on files whose data is missing or cut short (reported in a closing note).

import type { Command } from "commander";
import type { KeyMap } from "../../runtime/weights/keymap.ts";
import { detectKeyMap, keyMapFor } from "../../runtime/weights/keymap.ts";
import { mapHeader, resolveCheckpoint } from "../../runtime/weights/load.ts";
import type { SafetensorsHeader } from "../../runtime/weights/safetensors.ts";
import { readHeader, truncationMessage } from "../../runtime/weights/safetensors.ts";

interface InspectOptions {
  model?: string;
  json?: boolean;
}

export interface InspectRow {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: number;
  /** Our parameter name, "ignored: why", "checked: why" (recomputed buffers), or "unmapped". */
  readonly mapsTo: string;
}

export interface InspectReport {
  readonly file: string;
  readonly model: KeyMap["model"];
  readonly detected: boolean;
  readonly rows: readonly InspectRow[];
  readonly header: SafetensorsHeader;
  readonly config: Readonly<Record<string, unknown>> | undefined;
}

/** "layers.10" after "layers.9": names compared with their numbers as numbers. */
const natural = new Intl.Collator("en", { numeric: true }).compare;

export async function inspectCheckpoint(path: string, model?: string): Promise<InspectReport> {
  const { weights, config } = resolveCheckpoint(path);
  const header = await readHeader(weights);
  const keyMap = model !== undefined ? keyMapFor(model) : detectKeyMap(header.tensors.map((t) => t.name));
  const rows = mapHeader(header, keyMap)
    .map(({ entry: e, target: t }): InspectRow => ({
      name: e.name,
      dtype: e.dtype,
      shape: e.shape,
      bytes: e.end - e.begin,
      mapsTo: !t ? "unmapped" : t.kind === "param" ? t.name : t.kind === "ignored" ? `ignored: ${t.reason}` : `checked: ${t.reason}`,
    }))
    .sort((a, b) => natural(a.name, b.name));
  return { file: weights, model: keyMap.model, detected: model === undefined, rows, header, config };
}

const num = (n: number) => n.toLocaleString("en-US");

export function formatInspect(r: InspectReport): string {
  const h = r.header;
  const lines: string[] = [];
  lines.push(`${r.file}: ${h.tensors.length} tensors, ${num(h.dataLength)} bytes of data after a ${num(h.headerLength)}-byte header; key map: ${r.model}${r.detected ? " (detected from the names)" : ""}`);
  if (h.metadata) lines.push(`metadata: ${JSON.stringify(h.metadata)}`);
  if (r.config) lines.push(`config.json: ${JSON.stringify(r.config)}`);
  const cells = r.rows.map((x) => [x.name, x.dtype, `[${x.shape.join(", ")}]`, num(x.bytes), x.mapsTo]);
  const head = ["name", "dtype", "shape", "bytes", "maps to"];
  const width = head.map((t, i) => Math.max(t.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((s, i) => (i === 3 ? s.padStart(width[i]!) : i === c.length - 1 ? s : s.padEnd(width[i]!))).join("  ");
  lines.push(line(head));
  for (const c of cells) lines.push(line(c));
  const elements = r.rows.reduce((n, x) => n + x.shape.reduce((a, b) => a * b, 1), 0);
  const count = (pred: (m: string) => boolean) => r.rows.filter((x) => pred(x.mapsTo)).length;
  const ignored = count((m) => m.startsWith("ignored: ") || m.startsWith("checked: "));
  const unmapped = count((m) => m === "unmapped");
  lines.push(`total: ${r.rows.length} tensors, ${num(elements)} elements, ${num(h.dataLength)} bytes; ${r.rows.length - ignored - unmapped} mapped, ${ignored} ignored, ${unmapped} unmapped`);
  const cut = truncationMessage(h);
  if (cut) lines.push(h.fileSize === h.dataStart ? `note: the data region is absent (a header-only file): nothing can be loaded from it` : `note: ${cut}`);
  return lines.join("\n") + "\n";
}

export function register(program: Command): void {
  program
    .command("inspect")
    .description("list a safetensors checkpoint's tensors and the parameters they map to (reads the header only)")
    .argument("<checkpoint>", "a .safetensors file, or a folder holding pytorch_model.safetensors (and config.json)")
    .option("--model <name>", "key map to use: showo or magvit2 (default: detected from the tensor names)")
    .option("--json", "print the rows as JSON")
    .action(async (path: string, opts: InspectOptions) => {
      const r = await inspectCheckpoint(path, opts.model);
      if (opts.json) {
        const h = r.header;
        process.stdout.write(JSON.stringify({ file: r.file, model: r.model, dataBytes: h.dataLength, truncated: truncationMessage(h) ?? null, tensors: r.rows }, null, 1) + "\n");
      } else {
        process.stdout.write(formatInspect(r));
      }
    });
}
