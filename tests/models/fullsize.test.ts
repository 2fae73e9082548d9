// The released sizes, lowered without a device: showo-256 and showo-512 at the T2I sampling layout
// with guidance (B = 2: conditional and unconditional rows; L = 387 and 1155, segments PAD + SPAN)
// lower to WGSL kernels under llvmpipe-like limits (128 MiB per binding, 16 storage bindings per
// kernel). The 58,498 × 2,048 f32 embedding and LM head (468 MiB each) are split by rows across
// bindings; every binding fits the limit; the dispatch count is what one layer's kernels times 24
// plus the head and tail make. Lowering only: no weights, no device.

import assert from "node:assert/strict";
import { test } from "vitest";
import { printWgsl } from "../../backends/wgsl/print.ts";
import type { TargetCaps } from "../../compiler/kernels/target.ts";
import { DEFAULT_WGSL_CAPS } from "../../compiler/kernels/target.ts";
import { formatBytes } from "../../compiler/passes/plan-memory.ts";
import { SHOWO_256, SHOWO_512, showoGraph, t2iSeqLen } from "../../models/showo.ts";
import { lower } from "../../runtime/executable.ts";

const MiB = 2 ** 20;

/** Dawn on llvmpipe (docs/environment notes): 128 MiB per storage binding, 16 per stage. */
const LLVMPIPE_CAPS: TargetCaps = {
  ...DEFAULT_WGSL_CAPS,
  maxBindingBytes: 128 * MiB,
  maxStorageBindings: 16,
  maxWorkgroupStorageBytes: 32768,
  maxInvocationsPerWorkgroup: 1024,
};

for (const cfg of [SHOWO_256, SHOWO_512]) {
  test(`${cfg.name} lowers to WGSL for T2I sampling with guidance (B = 2, L = ${t2iSeqLen(cfg)}); embedding and LM head span several bindings`, () => {
    const L = t2iSeqLen(cfg);
    const c = lower(showoGraph(cfg, { batch: 2, seq: L, segmentSlots: 2 }), LLVMPIPE_CAPS);
    const plan = c.plan;
    const shards = (name: string) => {
      const p = c.graph.params.find((n) => n.attrs["name"] === name);
      assert.ok(p, `parameter ${name}`);
      return plan.byNode.get(p)!.length;
    };
    // 58,498 × 2,048 × 4 bytes = 468 MiB: at least 4 bindings of ≤ 128 MiB each.
    const emb = shards("model.embed_tokens.weight"), head = shards("lm_head.weight");
    assert.ok(emb > 1 && head > 1, `embedding in ${emb} shards, LM head in ${head}`);
    assert.ok(emb >= 4 && head >= 4);
    for (const p of plan.placements) assert.ok(p.bytes <= LLVMPIPE_CAPS.maxBindingBytes, `${p.label}#${p.shard}: ${p.bytes} bytes`);
    for (const a of plan.arenas) assert.ok(a.bytes <= LLVMPIPE_CAPS.maxBindingBytes);
    for (const l of c.launches) assert.ok(l.tensors.length <= LLVMPIPE_CAPS.maxStorageBindings, `${l.label}: ${l.tensors.length} bindings`);

    // Weights: exactly the 1,448,176,770 f32 values (5,792,707,080 bytes), each shard 256-aligned.
    assert.equal(plan.peak.weights, 1_448_176_770 * 4);
    assert.ok(plan.arenaBytes.weights >= plan.peak.weights);

    // Kernel counts: one attention per layer, the six Linear layers of each layer plus the head as
    // matmuls (fused epilogues allowed, so never more), a handful of dispatches per layer in all.
    const byKind = new Map<string, number>();
    for (const l of c.launches) byKind.set(l.kernel.name, (byKind.get(l.kernel.name) ?? 0) + 1);
    const count = (prefix: string) => [...byKind].filter(([k]) => k.startsWith(prefix)).reduce((s, [, n]) => s + n, 0);
    assert.equal(count("attention"), cfg.layers);
    assert.ok(count("matmul") >= 4 * cfg.layers + 1 && count("matmul") <= 6 * cfg.layers + 1, `matmuls: ${count("matmul")}`);
    const perLayer = c.launches.length / cfg.layers;
    assert.ok(perLayer >= 5 && perLayer <= 14, `${c.launches.length} dispatches (${perLayer.toFixed(1)} per layer)`);
    assert.ok(byKind.size >= 4 && byKind.size <= 12, `kernel builders used: ${[...byKind.keys()].join(", ")}`);
    // Distinct WGSL texts (pipelines): binding names carry parameter paths, so layers do not share
    // kernels yet; never more than one per dispatch.
    const distinct = new Set(c.launches.map((l) => printWgsl(l.kernel))).size;
    assert.ok(distinct <= c.launches.length);

    const ab = plan.arenaBytes, pk = plan.peak;
    console.log(`${cfg.name} B=2 L=${L}: ${c.launches.length} dispatches (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}), ${distinct} distinct kernel texts, embedding ${emb} shards, LM head ${head} shards, ` +
      `lowered in ${c.lowerMs.toFixed(0)} ms\n  peak ${formatBytes(pk.total)} (${pk.total} B: weights ${pk.weights}, inputs ${pk.inputs}, activations ${pk.activations} at launch ${plan.peakLaunch})\n` +
      `  arenas ${plan.arenas.length}, ${formatBytes(ab.total)} (${ab.total} B: weights ${ab.weights}, inputs ${ab.inputs}, activations ${ab.activations})`);
  });
}
