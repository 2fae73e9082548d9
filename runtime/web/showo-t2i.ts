// Text-to-image in a compiled package: the same MaskGIT loop (t2i-sample.ts), batch layout and
// prefix/step inputs (t2i-layout.ts) as the Node sampler (t2i.ts's T2IForward), over the
// package's prefix and step executables, one pair per P' (text rows after the dropped padding);
// the text K/V stays on the device between the prefix and every step.

import type { RefTensor } from "../../compiler/ir/ref.ts";
import type { ShowoLayout } from "../../models/showo-layout.ts";
import type { SamplingNoise } from "../sampling/noise-data.ts";
import type { StepInfo, T2IOptions } from "../sampling/t2i-sample.ts";
import { sampleT2I, t2iRows } from "../sampling/t2i-sample.ts";
import { imageStart, t2iBatchLayout, t2iPrefixInputs, t2iSegments, t2iStepInputs } from "../sampling/t2i-layout.ts";
import type { GpuExecutable, KeptTensor } from "./gpu-executable.ts";

/** The compiled pairs, by P'. */
export interface T2IExecutables {
  readonly rows: number;
  readonly cacheNames: readonly string[];
  pair(textLen: number): Promise<{ prefix: GpuExecutable; step: GpuExecutable }>;
}

/** Image codes int32 [N] for one prompt's text ids (with its unconditional twin when guided). */
export async function generateCodes(cfg: ShowoLayout, exes: T2IExecutables, text: readonly number[], opts: T2IOptions, noise: SamplingNoise, onStep?: (i: StepInfo) => void): Promise<Int32Array> {
  const { cond, uncond } = t2iRows(cfg, [text]);
  const guided = opts.guidance > 0;
  let key = "";
  let segments: RefTensor | undefined;
  let kv: Record<string, KeptTensor> = {};
  let step: GpuExecutable | undefined;
  const logits = async (rows: readonly (readonly number[])[]): Promise<ArrayLike<number>> => {
    // Compiled for the guided pair: an unguided row runs beside a copy of itself (rows are independent).
    const run = rows.length < exes.rows ? [...rows, ...Array.from({ length: exes.rows - rows.length }, () => rows[0]!)] : rows;
    if (run.length !== exes.rows) throw new Error(`internal: the package's T2I graphs take ${exes.rows} rows, given ${rows.length}`);
    const k = run.map((r) => r.slice(0, imageStart(cfg)).join(",")).join(";");
    if (k !== key) {
      const layout = t2iBatchLayout(cfg, run);
      const pair = await exes.pair(layout.textLen);
      segments = t2iSegments(layout);
      kv = (await pair.prefix.runKeeping(t2iPrefixInputs(cfg, run, layout, segments), exes.cacheNames)).kept;
      step = pair.step;
      key = k;
    }
    const out = (await step!.run({ ...t2iStepInputs(cfg, run, segments!), ...kv }))["logits"]!.data;
    return rows.length < exes.rows ? out.subarray(0, (out.length / exes.rows) * rows.length) : out;
  };
  return sampleT2I(cfg, cond, guided ? uncond : undefined, opts, noise, logits, onStep);
}
