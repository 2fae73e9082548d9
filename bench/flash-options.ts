// The flash-attention builders' knobs (FlashOptions) from the environment, for benchmarks and the
// dev ladder; the compiler itself reads no environment. Unset variables keep the defaults.
//
//   SHOWO_FLASH=rows|auto        the forward's one-row-per-invocation form everywhere (rows)
//   SHOWO_FLASH_SG=0|4|8         lanes sharing K/V in the subgroup row forms (0: the tiled form)
//   SHOWO_FLASH_R=1|2|4          query rows per invocation of the subgroup row forms
//   SHOWO_FLASH_QG=1..8          query tiles per workgroup (grouped row form)
//   SHOWO_FLASH_SKIP=0|1         skip empty key tiles (0: every key walked, masked in-kernel)
//   SHOWO_FLASH_GRAD_ROWS=0|1    the backward's subgroup row form off or forced
//   SHOWO_FLASH_GRAD_R=1|2|4     owned rows per invocation of the backward row form
//   GRAD_UNROLL=1                the backward's one-row form keeps its accumulators in registers on WGSL

import type { FlashOptions } from "../compiler/kernels/builders/flash-plan.ts";

type Mutable<T> = { -readonly [K in keyof T]?: T[K] };

function pick<T>(name: string, allowed: readonly T[], parse: (s: string) => T): T | undefined {
  const s = process.env[name];
  if (s === undefined) return undefined;
  const v = parse(s);
  if (!allowed.includes(v)) throw new Error(`${name} is '${s}'; expected ${allowed.join(", ")}`);
  return v;
}

/** The options the environment sets (only those it sets). */
export function flashOptionsFromEnv(): Partial<FlashOptions> {
  const o: Mutable<FlashOptions> = {};
  const form = pick("SHOWO_FLASH", ["rows", "auto", "blocked"] as const, (s) => s as "rows" | "auto" | "blocked");
  if (form !== undefined) o.form = form === "rows" ? "rows" : "auto";
  const sg = pick("SHOWO_FLASH_SG", [0, 4, 8] as const, (s) => Number(s) as 0 | 4 | 8);
  if (sg !== undefined) o.subgroupLanes = sg;
  const r = pick("SHOWO_FLASH_R", [1, 2, 4] as const, (s) => Number(s) as 1 | 2 | 4);
  if (r !== undefined) o.rowsPerInvocation = r;
  const qg = pick("SHOWO_FLASH_QG", [1, 2, 3, 4, 5, 6, 7, 8], Number);
  if (qg !== undefined) o.queryTilesPerWorkgroup = qg;
  const skip = pick("SHOWO_FLASH_SKIP", ["0", "1"], (s) => s);
  if (skip !== undefined) o.tileSkipping = skip === "1";
  const gr = pick("SHOWO_FLASH_GRAD_ROWS", ["0", "1"], (s) => s);
  if (gr !== undefined) o.gradRows = gr === "1";
  const grR = pick("SHOWO_FLASH_GRAD_R", [1, 2, 4] as const, (s) => Number(s) as 1 | 2 | 4);
  if (grR !== undefined) o.gradRowsPerInvocation = grR;
  if (process.env["GRAD_UNROLL"] === "1") o.gradUnroll = true;
  return o;
}

/** The options as a short phrase for a bench log ("defaults" when none are set). */
export function describeFlashOptions(o: Partial<FlashOptions>): string {
  const e = Object.entries(o);
  return e.length === 0 ? "flash defaults" : `flash options ${e.map(([k, v]) => `${k}=${String(v)}`).join(", ")}`;
}
