// Flash attention: the builders of attention, attention_qknorm, attention_grad_q and
// attention_grad_kv. planFlash / planFlashGrad (flash-plan.ts) pick the form; each form is a file:
//
//   grouped      flash-grouped.ts    subgroup rows, several query tiles per workgroup (WGSL, lists)
//   sg-rows      flash-sg-rows.ts    subgroup rows, one query tile per workgroup (WGSL)
//   blocked      flash-blocked.ts    register-blocked score and output tiles (CUDA, WGSL without subgroups)
//   rows         flash-rows.ts       one query row per invocation (other head dims)
//   dense        attention.ts        one workgroup per query row (attention only, when nothing fits)
//   grad-rows    flash-grad-rows.ts    backward, subgroup rows (WGSL, big problems)
//   grad-single  flash-grad-single.ts  backward, one owned row per invocation
//
// Shared stages: flash-common.ts (mask words, sin/cos, key walks), flash-stages.ts (the vec4
// forms' frame and q/k prologue), flash-blocked-stages.ts (the blocked form's softmax, P·V and
// epilogue), flash-sg-stages.ts (the subgroup row forms' chunk and epilogue), flash-grad-common.ts
// (the backward's frame and walks). Why each form exists and what it measured:
// dev/kernels/attention/README.md. The knobs are FlashOptions;
// the registered builders use the defaults, and withFlashOptions compiles with others.

import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Launch } from "../emit.ts";
import { registerBuilder } from "../schedule.ts";
import type { TargetCaps } from "../target.ts";
import { buildAttention } from "./attention.ts";
import "./block-lists.ts";
import { buildFlashBlocked } from "./flash-blocked.ts";
import { buildFlashGradRows } from "./flash-grad-rows.ts";
import { buildFlashGradSingle } from "./flash-grad-single.ts";
import { buildFlashGrouped } from "./flash-grouped.ts";
import type { FlashOptions } from "./flash-plan.ts";
import { DEFAULT_FLASH_OPTIONS, planFlash, planFlashGrad } from "./flash-plan.ts";
import { buildFlashRows } from "./flash-rows.ts";
import { buildFlashSgRows } from "./flash-sg-rows.ts";

/** The forward builder of an attention or attention_qknorm node: the form planFlash picks. */
export function buildFlash(group: FusionGroup, caps: TargetCaps, part: Partition, opts: FlashOptions = DEFAULT_FLASH_OPTIONS): Launch {
  const plan = planFlash(group.root, caps, opts);
  switch (plan.form) {
    case "dense": return buildAttention(group, caps, part);
    case "rows": return buildFlashRows(group, caps, part, plan, opts);
    case "blocked": return buildFlashBlocked(group, caps, part, plan, opts);
    case "sg-rows": return buildFlashSgRows(group, caps, part, plan, opts);
    case "grouped": return buildFlashGrouped(group, caps, part, plan, opts);
  }
}

/** The backward builder of an attention_grad_q or attention_grad_kv node: the form planFlashGrad picks. */
export function buildFlashAttentionGrad(group: FusionGroup, caps: TargetCaps, part: Partition, opts: FlashOptions = DEFAULT_FLASH_OPTIONS): Launch {
  const plan = planFlashGrad(group.root, caps, opts);
  return plan.form === "grad-rows" ? buildFlashGradRows(group, caps, part, plan, opts) : buildFlashGradSingle(group, caps, part, plan, opts);
}

/**
 * Registers the flash builders (attention, attention_qknorm and their backward ops) with `opts`.
 * Importing this module registers them with the defaults; benchmarks and tests that compare
 * forms register others around a compile (withFlashOptions).
 */
export function registerFlashBuilders(opts: FlashOptions = DEFAULT_FLASH_OPTIONS): void {
  registerBuilder("attention", (g, c, p) => buildFlash(g, c, p, opts));
  registerBuilder("attention_qknorm", (g, c, p) => buildFlash(g, c, p, opts));
  registerBuilder("attention_grad_q", (g, c, p) => buildFlashAttentionGrad(g, c, p, opts));
  registerBuilder("attention_grad_kv", (g, c, p) => buildFlashAttentionGrad(g, c, p, opts));
}

/** Runs `fn` (a compile) with the flash builders registered with `opts` over the defaults, then puts the defaults back. */
export async function withFlashOptions<T>(opts: Partial<FlashOptions>, fn: () => Promise<T>): Promise<T> {
  registerFlashBuilders({ ...DEFAULT_FLASH_OPTIONS, ...opts });
  try {
    return await fn();
  } finally {
    registerFlashBuilders(DEFAULT_FLASH_OPTIONS);
  }
}

registerFlashBuilders();
