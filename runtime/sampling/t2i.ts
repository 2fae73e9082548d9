// Text-to-image sampling: Show-o's MaskGIT-style parallel decoding (design/showo.md §6.2,
// `t2i_generate`), with classifier-free guidance and known codes (inpainting, extrapolation §6.3).
//
// Where the work happens: the device runs the Show-o forward of the 2B rows ([cond; uncond]) and
// returns only the image-code logits f32[2B, N, 8192] (runtime/sampling/t2i-graph.ts; by default
// the text block's K/V once per generation, then only the image segment per step); the host
// does the rest in float64, per step s = 0..T−1:
//   1. ℓ = (1 + g)·ℓ_cond − g·ℓ_uncond (g = guidance; g = 0: no twin rows, one pass on B rows);
//      the twins take the conditional rows' tokens from [SOI] onward at every step
//   2. p = softmax(ℓ) (no temperature on the logits); code = the first index whose cumulative
//      probability exceeds u₀·Σp (inverse CDF of noise [s, b, n, 0]; Show-o's multinomial)
//   3. known positions (input not [MASK]) keep their code
//   4. confidence = log(max(p_code, 1e-20)) + τ_s·gumbel(u₁), known positions log(f32 max) + τ_s·gumbel(u₁)
//   5. mask_len = max(1, min(unknown − 1, ⌊N·schedule((s+1)/T)⌋)); positions with confidence
//      below the mask_len-th smallest (strict <) go back to [MASK], the others are fixed
//   τ_s = τ_{s−1}·(1 − (s+1)/T) from τ₋₁ = temperature (or MaskGIT's τ₋₁·(1 − (s+1)/T)).
// The result is the last step's sampled codes at all N positions.
// Every ℓ that enters the softmax must be finite: a NaN or ±Inf from the forward (non-finite
// weights or activations), or from the guidance combination overflowing (g = 1e308), stops the
// sampling with an error naming the step, the row, the image position and the code. Left alone,
// NaN fails every comparison of the inverse CDF and the draw became the last code (8191) everywhere.

import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import { Showo, t2iSeqLen } from "../../models/showo.ts";
import { positionsFor, segmentsFromIds, t2iGenPrompt, t2iUncondPrompt } from "../../models/showo-prompts.ts";
import { vocabIds } from "../../models/showo-vocab.ts";
import type { Executable } from "../executable.ts";
import type { Device } from "../device.ts";
import type { CompileOptions, DeviceTensor } from "../executable.ts";
import { capsOf, compile, openDeviceFor } from "../executable.ts";
import { SHOWO_KEYMAP, loadWeights } from "../weights/index.ts";
import { kvCacheNames } from "./kv-graph.ts";
import type { T2IBatchLayout, T2ILayoutOptions } from "./t2i-layout.ts";
import { T2I_SEGMENT_SLOTS, imageStart, t2iBatchLayout, t2iPrefixInputs, t2iSegments, t2iStepInputs } from "./t2i-layout.ts";
import { t2iLogitsGraph, t2iPrefixGraph, t2iStepGraph } from "./t2i-graph.ts";
import type { LogitsFn } from "./t2i-sample.ts";

export type { LogitsFn, StepInfo, T2IOptions } from "./t2i-sample.ts";
export { LOG_F32_MAX, T2I_DEFAULTS, checkT2IRow, inverseCdf, sampleT2I, t2iRows } from "./t2i-sample.ts";

export interface T2IForwardOptions extends T2ILayoutOptions {
  /**
   * Reuse the text block's keys and values across steps (default true): the text prefix runs
   * once per generation and each step runs only the N + 2 image-segment rows
   * (t2iPrefixGraph / t2iStepGraph). false: the full forward of all L rows every step, with
   * the padding computed and marked PAD (the reference's work).
   * With reuse, `dropPadding`, `granule` and `deadPads` (t2iBatchLayout) say how much of the
   * left padding is cut and whether the rest is DEAD.
   */
  readonly reuse?: boolean;
  /**
   * With reuse: leave the prefix's K/V on the device, bound directly by every step
   * (Executable.runKeeping; default true). false: read it back once and upload it with every step.
   */
  readonly kvOnDevice?: boolean;
}

/** Only the parameters a graph uses (the prefix graph uses neither the head nor the last layer's queries, dense or MLP). */
function paramsOf(exe: Executable<Device>, params: Readonly<Record<string, RefTensor>>): Record<string, RefTensor> {
  const out: Record<string, RefTensor> = {};
  for (const p of exe.graph.params) {
    const name = String(p.attrs["name"]);
    if (params[name]) out[name] = params[name];
  }
  return out;
}

/** The reuse graphs compiled for one P' (text rows after the dropped padding). */
export interface ReuseExecutables {
  readonly textLen: number;
  readonly prefix: Executable<Device>;
  readonly step: Executable<Device>;
}

/**
 * The forward of T2I sampling on the WGSL (or CUDA) backend, for a batch size, run every step.
 * With reuse, the text K/V is computed when a batch's text blocks first appear (and again only if
 * they change) and left on the device, where each step's launches read it (kvOnDevice: false
 * brings it to the host and sends it with every step). The reuse
 * graphs' shapes depend on P' = P − d (the batch's common left padding cut, t2iBatchLayout), so
 * they are compiled when a batch first needs that P' and cached by it; the full forward (no
 * reuse) is compiled at once.
 */
export class T2IForward {
  readonly cfg: ShowoConfig;
  readonly rows: number;
  readonly reuse: boolean;
  readonly options: T2IForwardOptions;
  /** Milliseconds spent compiling, and in forwards (prefix runs included) so far. */
  compileMs = 0;
  forwardMs = 0;
  /** Prefix runs so far (one per distinct batch of text blocks). */
  prefixRuns = 0;
  /** The layout of the current batch (reuse only; d = 0 and PAD without reuse). */
  layout: T2IBatchLayout | undefined;
  readonly #model: Showo;
  readonly #params: Readonly<Record<string, RefTensor>>;
  readonly #on: CompileOptions;
  readonly #full: Executable<Device> | undefined;
  readonly #ownedDevice: Device | undefined;
  #disposed = false;
  readonly #byTextLen = new Map<number, ReuseExecutables>();
  #current: ReuseExecutables | undefined;
  #segments: RefTensor | undefined;
  #segmentsKey = "";
  #textKv: Record<string, RefTensor | DeviceTensor> = {};

  private constructor(cfg: ShowoConfig, rows: number, model: Showo, params: Readonly<Record<string, RefTensor>>, on: CompileOptions, full: Executable<Device> | undefined, opts: T2IForwardOptions, ownedDevice: Device | undefined) {
    this.cfg = cfg;
    this.#ownedDevice = ownedDevice;
    this.rows = rows;
    this.#model = model;
    this.#params = params;
    this.#on = on;
    this.#full = full;
    this.reuse = full === undefined;
    this.options = opts;
  }

  /** Weights: a checkpoint path (Show-o's released folder or file, or ours) or loaded tensors. */
  static async create(cfg: ShowoConfig, rows: number, weights: string | Readonly<Record<string, RefTensor>>, device?: Device, opts: T2IForwardOptions = {}): Promise<T2IForward> {
    const model = new Showo(cfg);
    const params = typeof weights === "string" ? await loadWeights(weights, model.namedParameters(), SHOWO_KEYMAP, { config: cfg }) : weights;
    const reuse = opts.reuse ?? true;
    // One device for every executable (the steps bind the prefix's K/V where it lies); opened here, and owned, when none is given.
    const dev = device ?? (await openDeviceFor("wgsl"));
    const owned = device === undefined ? dev : undefined;
    const on: CompileOptions = { target: capsOf(dev).target, device: dev };
    if (reuse) return new T2IForward(cfg, rows, model, params, on, undefined, opts, owned);
    const t0 = performance.now();
    let exe: Executable<Device> | undefined;
    try {
      exe = await compile(t2iLogitsGraph(cfg, rows, model), on);
      exe.setParams(paramsOf(exe, params));
    } catch (e) {
      exe?.dispose();
      owned?.dispose();
      throw e;
    }
    const f = new T2IForward(cfg, rows, model, params, on, exe, opts, owned);
    f.compileMs = performance.now() - t0;
    return f;
  }

  /** The reuse graph pairs compiled so far, by P'. */
  get compiled(): readonly ReuseExecutables[] {
    return [...this.#byTextLen.values()];
  }

  /** The prefix and step executables for P' text rows: compiled on first use, then cached. */
  async executablesFor(textLen: number): Promise<ReuseExecutables> {
    if (!this.reuse) throw new Error("T2IForward: the reuse graphs belong to a forward created with reuse");
    const have = this.#byTextLen.get(textLen);
    if (have) return have;
    const t0 = performance.now();
    const exes: Executable<Device>[] = [];
    try {
      for (const g of [t2iPrefixGraph(this.cfg, this.rows, this.#model, textLen), t2iStepGraph(this.cfg, this.rows, this.#model, textLen)]) {
        const exe = await compile(g, this.#on);
        exes.push(exe);
        exe.setParams(paramsOf(exe, this.#params));
      }
    } catch (e) {
      for (const x of exes) x.dispose();
      throw e;
    }
    const r = { textLen, prefix: exes[0]!, step: exes[1]! };
    this.#byTextLen.set(textLen, r);
    this.compileMs += performance.now() - t0;
    return r;
  }

  /** Image-code logits f32[rows, N, C] of the given rows. */
  readonly logits: LogitsFn = async (rows) => {
    if (rows.length !== this.rows) throw new Error(`internal: compiled for ${this.rows} rows, given ${rows.length}`);
    const L = t2iSeqLen(this.cfg);
    // The mask depends only on where pads, [SOI] and [EOI] are: static across steps. The text K/V
    // depends only on the text blocks: the same key.
    const key = rows.map((r) => r.slice(0, imageStart(this.cfg)).join(",")).join(";");
    if (key !== this.#segmentsKey) {
      if (this.reuse) {
        const layout = t2iBatchLayout(this.cfg, rows, this.options);
        this.#current = await this.executablesFor(layout.textLen);
        const t0 = performance.now();
        this.#segments = t2iSegments(layout);
        const prefixInputs = t2iPrefixInputs(this.cfg, rows, layout, this.#segments);
        // On the device the K/V stays valid until this prefix executable runs again: for the next batch.
        this.#textKv = (this.options.kvOnDevice ?? true)
          ? (await this.#current.prefix.runKeeping(prefixInputs, kvCacheNames(this.cfg))).kept
          : await this.#current.prefix.run(prefixInputs);
        this.prefixRuns++;
        this.layout = layout;
        this.forwardMs += performance.now() - t0;
      } else {
        const p = packSegments(rows.map((r) => segmentsFromIds(r, "t2i", { vocab: this.cfg })), T2I_SEGMENT_SLOTS);
        this.#segments = tensor("i32", p.shape, p.data);
      }
      this.#segmentsKey = key;
    }
    const t0 = performance.now();
    const out = this.#current
      ? await this.#current.step.run({ ...t2iStepInputs(this.cfg, rows, this.#segments!), ...this.#textKv })
      : await this.#full!.run({
        ids: tensor("i32", [rows.length, L], rows.flat()),
        positions: tensor("i32", [L], positionsFor(L)),
        segments: this.#segments!,
      });
    this.forwardMs += performance.now() - t0;
    return out["logits"]!.data;
  };

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#full?.dispose();
    for (const r of this.#byTextLen.values()) {
      r.prefix.dispose();
      r.step.dispose();
    }
    this.#byTextLen.clear();
    this.#current = undefined;
    this.#ownedDevice?.dispose();
  }
}
