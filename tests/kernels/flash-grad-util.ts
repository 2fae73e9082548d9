// Shared by the flash backward tests (flash-attention-grad*.test.ts): the backward graph of the
// two ops on inputs, its inputs (the packed forward from the reference), and a check that
// compiles it in a chosen form, asserts the form and the lists, and compares with the reference.
// Two test files, so that node's runner compiles their large shaders on both cores.

import assert from "node:assert/strict";
import { evalNode, run as reference } from "../../backends/reference/interpreter.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import { Graph, topoSort } from "../../compiler/ir/graph.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { withFlashOptions } from "../../compiler/kernels/builders/flash-attention.ts";
import type { FlashOptions } from "../../compiler/kernels/builders/flash-plan.ts";
import { compile } from "../../runtime/executable.ts";
import { assertClose } from "../backends/util.ts";
import type { Device } from "../../runtime/device.ts";
import type { Rng } from "../util/random.ts";
import { randomTensor } from "../util/random.ts";

export const SLOTS = 3, TOL = 3e-4, L37 = 37;

export interface Shape { B: number; H: number; lq: number; lk: number; D: number; causal: boolean; segments: boolean; lseGrad?: boolean }

/** The backward ops on inputs; the packed forward (output and lse) is an input the reference fills. */
export function gradGraph(s: Shape): Graph {
  const q = input("q", "f32", [s.B, s.H, s.lq, s.D]), k = input("k", "f32", [s.B, s.H, s.lk, s.D]), v = input("v", "f32", [s.B, s.H, s.lk, s.D]);
  const dO = input("dO", "f32", [s.B, s.H, s.lq, s.D + (s.lseGrad ? 1 : 0)]); // last column: the lse cotangent
  const seg = s.segments ? [input("segments", "i32", [s.B, SLOTS, 3])] : [];
  const attrs = { scale: 1 / Math.sqrt(s.D), causal: s.causal };
  const packed = input("packed", "f32", [s.B, s.H, s.lq, s.D + 1]);
  const ins = [q, k, v, packed, dO, ...seg];
  return new Graph("attention_backward", [q, k, v, dO, packed, ...seg], [], [
    { name: "dq", node: apply("attention_grad_q", ins, attrs) },
    { name: "dkv", node: apply("attention_grad_kv", ins, attrs) },
  ]);
}

export function inputsFor(s: Shape, rows: Segment[][] | null, rng: Rng): Record<string, RefTensor> {
  const x = (l: number) => randomTensor("f32", [s.B, s.H, l, s.D], rng);
  const ins: Record<string, RefTensor> = { q: x(s.lq), k: x(s.lk), v: x(s.lk), dO: randomTensor("f32", [s.B, s.H, s.lq, s.D + (s.lseGrad ? 1 : 0)], rng) };
  if (rows) {
    const p = packSegments(rows, SLOTS);
    ins["segments"] = tensor("i32", p.shape, p.data);
  }
  // The forward's packed output and log-sum-exp, from the reference.
  const names = ["q", "k", "v", ...(rows ? ["segments"] : [])];
  const nodes = names.map((n) => input(n, ins[n]!.dtype, ins[n]!.shape));
  const fwd = apply("attention", nodes, { scale: 1 / Math.sqrt(s.D), causal: s.causal, lse: true });
  ins["packed"] = evalNode(fwd, new Map(nodes.map((n, i) => [n, ins[names[i]!]!])));
  return ins;
}

/** Which backward form: "rows" (the subgroup row form, the default for big problems where subgroups allow) or "rowwise" (one row per invocation). */
export type Form = "rows" | "rowwise";

export async function compileForm(device: Device, g: Graph, form: Form, extra: Partial<FlashOptions> = {}): ReturnType<typeof compile> {
  // The test shapes are below bigAttention's size, where the row form is not the default: force it.
  return await withFlashOptions({ gradRows: form === "rows", ...extra }, () => compile(g, { target: "wgsl", device }));
}

/** Compiles the backward of `s` in `form` and compares it with the reference on each layout (null: no segments). */
export async function check(device: Device, rng: Rng, seed: number, what: string, s: Shape, layouts: (Segment[][] | null)[], form: Form = "rows", extra: Partial<FlashOptions> = {}): Promise<void> {
  const g = gradGraph(s);
  const exe = await compileForm(device, g, form, extra);
  try {
    const kinds = exe.compiled.launches.map((l) => l.kernel.name);
    for (const name of ["attention_grad_q_flash", "attention_grad_kv_flash"]) assert.ok(kinds.includes(name), `${what}: kernels ${kinds.join(", ")}`);
    // The form compiled: the row form's label names its rows per invocation and shared lanes.
    const labels = exe.compiled.launches.filter((l) => l.kernel.name.startsWith("attention_grad")).map((l) => l.label);
    assert.equal(labels.length, 2);
    for (const label of labels) {
      if (form === "rows") assert.match(label, /flash backward rows: \d+-row tiles, \d rows per invocation, .* shared among 8 subgroup lanes/, `${what}: ${label}`);
      else assert.match(label, /flash backward \d+ rows; chunks of/, `${what}: ${label}`);
    }
    if (s.segments) {
      const lists = topoSort(exe.compiled.graph.outputs.map((o) => o.node)).filter((n) => n.op === "block_lists");
      assert.deepEqual(lists.map((n) => n.attrs["transpose"]).sort(), [false, true], `${what}: grad_q gets the lists, grad_kv the transposed lists`);
      const gq = topoSort(exe.compiled.graph.outputs.map((o) => o.node)).find((n) => n.op === "attention_grad_q")!;
      assert.equal(gq.attrs["keys_from_end"], true, `${what}: grad_q's key tiles are laid from the end`);
    }
    for (const rows of layouts) {
      const inputs = inputsFor(s, rows, rng);
      const got = await exe.run(inputs);
      const want = reference(g, inputs);
      for (const out of ["dq", "dkv"]) assertClose(got[out], want[out]!, TOL, `${what} ${out} ${JSON.stringify(rows)} (TEST_SEED=${seed})`);
    }
  } finally {
    exe.dispose();
  }
}

/** T2I: [pads][text][soi][image][eoi]; the left padding is PAD or DEAD. */
export const t2i = (L: number, image: number, pad: number, kind: "pad" | "dead"): Segment[] => [{ kind, start: 0, end: pad }, { kind: "span", start: L - image - 2, end: L }];

