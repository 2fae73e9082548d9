// The flash attention backward kernels (attention_grad_q, attention_grad_kv) on the WGSL backend
// against the reference interpreter, at head 64 and ragged lengths (37: not a multiple of the
// 32-row tiles).
//
// Each graph is dQ = attention_grad_q(q, k, v, packed, dO[, segments]) and dK|dV =
// attention_grad_kv(...), where packed (the forward's output and log-sum-exp, from which the
// kernels recompute P) is computed by the reference and given as an input: the forward kernel is
// tested elsewhere, and not compiling it keeps this file fast on llvmpipe. With segments,
// specialize-masks gives grad_q the forward lists and grad_kv the transposed lists; one executable
// is re-run with new padding. Layouts: T2I (random left padding per batch row, PAD or DEAD, and
// the guidance twin whose caption is all padding), MMU (bidirectional prefix, causal after,
// GLOBAL columns), LM (causal, no segments), non-causal (no segments), decode-shaped (Lq < Lk)
// and dO with the lse cotangent column (Dv + 1 wide: read as scalars, not vec4s).
//
// Tolerance: max|wgsl − ref| ≤ 3e-4·max(1, max|ref|) per output (f32; exp chains and sums over up
// to 37 keys or queries).
//
// Two forms (the launch label says which): on llvmpipe (subgroups of 8 lanes, head 64) the row
// form, R rows per invocation with the walked rows shared by subgroupBroadcast; with
// SHOWO_FLASH_GRAD_ROWS=0 (and on CUDA) one row per invocation with chunks in workgroup memory.
// Both are checked on the segment layouts; grad_q's lists lay key tiles from the end
// (keys_from_end, asserted), so at L = 37 its first key tile is the ragged one.
//
// On CUDA the kernels keep head-64 rows in registers: compiled with nvcc (when installed) for
// sm_80 and sm_90, they must not spill.

import assert from "node:assert/strict";
import { after, test } from "node:test";
import { evalNode, run as reference } from "../../backends/reference/interpreter.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import { Graph, topoSort } from "../../compiler/ir/graph.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { compileKernels, findCuda, formatResources } from "../../backends/cuda/nvcc.ts";
import { DEFAULT_CUDA_CAPS } from "../../backends/cuda/print.ts";
import { compile, lower } from "../../runtime/executable.ts";
import { assertClose, sharedDevice } from "../backends/util.ts";
import { mulberry32, randInt, randomTensor, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const dev = await sharedDevice();
after(() => dev.dispose());

const SLOTS = 3, TOL = 3e-4, L37 = 37;

interface Shape { B: number; H: number; lq: number; lk: number; D: number; causal: boolean; segments: boolean; lseGrad?: boolean }

/** The backward ops on inputs; the packed forward (output and lse) is an input the reference fills. */
function gradGraph(s: Shape): Graph {
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

function inputsFor(s: Shape, rows: Segment[][] | null): Record<string, RefTensor> {
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

/** Which backward form: "rows" (the default where subgroups allow) or "rowwise" (SHOWO_FLASH_GRAD_ROWS=0). */
type Form = "rows" | "rowwise";

async function compileForm(g: Graph, form: Form): ReturnType<typeof compile> {
  const saved = process.env["SHOWO_FLASH_GRAD_ROWS"];
  if (form === "rowwise") process.env["SHOWO_FLASH_GRAD_ROWS"] = "0";
  else delete process.env["SHOWO_FLASH_GRAD_ROWS"];
  try {
    return await compile(g, { target: "wgsl", device: dev.get() });
  } finally {
    if (saved === undefined) delete process.env["SHOWO_FLASH_GRAD_ROWS"];
    else process.env["SHOWO_FLASH_GRAD_ROWS"] = saved;
  }
}

async function check(what: string, s: Shape, layouts: (Segment[][] | null)[], form: Form = "rows"): Promise<void> {
  const g = gradGraph(s);
  const exe = await compileForm(g, form);
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
      const inputs = inputsFor(s, rows);
      const got = await exe.run(inputs);
      const want = reference(g, inputs);
      for (const out of ["dq", "dkv"]) assertClose(got[out], want[out]!, TOL, `${what} ${out} ${JSON.stringify(rows)} (TEST_SEED=${seed})`);
    }
  } finally {
    exe.dispose();
  }
}

/** T2I: [pads][text][soi][image][eoi]; the left padding is PAD or DEAD. */
const t2i = (L: number, image: number, pad: number, kind: "pad" | "dead"): Segment[] => [{ kind, start: 0, end: pad }, { kind: "span", start: L - image - 2, end: L }];

test("T2I (random padding, PAD and DEAD, guidance twin) and MMU layouts at head 64, L = 37, with lists and transposed lists", dev.skip, async () => {
  const L = 37, image = 16;
  const twin = (kind: "pad" | "dead"): Segment[][] => [t2i(L, image, randInt(rng, 1, 12), kind), t2i(L, image, L - image - 3, kind)];
  const mmu: Segment[][] = [
    [{ kind: "span", start: 0, end: randInt(rng, 3, 20) }],
    [{ kind: "span", start: 0, end: randInt(rng, 3, 20) }, { kind: "global", start: 25, end: 28 }],
  ];
  await check("T2I/MMU", { B: 2, H: 2, lq: L, lk: L, D: 64, causal: true, segments: true }, [twin("pad"), twin("dead"), mmu]);
});

test("the one-row-per-invocation form (SHOWO_FLASH_GRAD_ROWS=0): T2I PAD and DEAD and MMU layouts at head 64, L = 37", dev.skip, async () => {
  const L = 37, image = 16;
  const layouts: Segment[][][] = [
    [t2i(L, image, randInt(rng, 1, 12), "pad"), t2i(L, image, L - image - 3, "pad")],
    [t2i(L, image, randInt(rng, 1, 12), "dead"), [{ kind: "span", start: 0, end: randInt(rng, 3, 20) }, { kind: "global", start: 25, end: 28 }]],
  ];
  await check("T2I/MMU (row per invocation)", { B: 2, H: 2, lq: L, lk: L, D: 64, causal: true, segments: true }, layouts, "rowwise");
});

test("with the lse cotangent (dO has Dv + 1 columns): T2I DEAD at head 64, L = 37", dev.skip, async () => {
  await check("lse cotangent", { B: 2, H: 1, lq: L37, lk: L37, D: 64, causal: true, segments: true, lseGrad: true }, [[t2i(L37, 16, randInt(rng, 1, 12), "dead"), t2i(L37, 16, L37 - 19, "dead")]]);
});

test("LM (causal, no segments) and non-causal at head 64, L = 37", dev.skip, async () => {
  await check("LM", { B: 1, H: 2, lq: L37, lk: L37, D: 64, causal: true, segments: false }, [null]);
  await check("non-causal", { B: 1, H: 2, lq: L37, lk: L37, D: 64, causal: false, segments: false }, [null]);
});

test("decode-shaped: 5 queries over 37 keys, causal with T2I segments and without", dev.skip, async () => {
  await check("decode + segments", { B: 2, H: 1, lq: 5, lk: L37, D: 64, causal: true, segments: true }, [[t2i(L37, 16, 4, "pad"), t2i(L37, 16, 9, "dead")]]);
  await check("decode", { B: 1, H: 2, lq: 5, lk: L37, D: 64, causal: true, segments: false }, [null]);
});

test("CUDA: the head-64 backward kernels (T2I segments, lists) compile for sm_80 and sm_90 without spilling", findCuda() ? {} : { skip: "nvcc not installed" }, async () => {
  const { launches } = lower(gradGraph({ B: 2, H: 2, lq: L37, lk: L37, D: 64, causal: true, segments: true }), DEFAULT_CUDA_CAPS);
  const kernels = launches.map((l) => l.kernel).filter((k) => k.name.startsWith("attention_grad"));
  assert.equal(kernels.length, 2);
  for (const arch of ["sm_80", "sm_90"]) {
    const { result } = await compileKernels(kernels, { arch });
    for (const r of result.kernels.values()) assert.equal(r.spillStores + r.spillLoads, 0, formatResources(r));
  }
});
