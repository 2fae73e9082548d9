// plan-memory: liveness reuse, no overlap between tensors live at once (a property test on random
// launch lists), alignment, the arena size limit, and row shards placed separately.

import assert from "node:assert/strict";
import { test } from "vitest";
import { apply, input, param } from "../../compiler/ir/build.ts";
import type { Node } from "../../compiler/ir/graph.ts";
import type { DType } from "../../compiler/ir/types.ts";
import { DEFAULT_WGSL_CAPS, elemBytes, shardPlan } from "../../compiler/kernels/target.ts";
import type { TargetCaps } from "../../compiler/kernels/target.ts";
import type { LaunchTensors, MemoryPlan, PlanGraph } from "../../compiler/passes/plan-memory.ts";
import { formatPlan, placementOf, planJson, planMemory } from "../../compiler/passes/plan-memory.ts";
import { lower } from "../../runtime/executable.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import { Tensor } from "../../compiler/dsl/tensor.ts";
import { mulberry32, randInt, testSeed } from "../util/random.ts";

const caps = (maxBindingBytes: number): TargetCaps => ({ ...DEFAULT_WGSL_CAPS, maxBindingBytes });

/** A launch reading `reads` and writing `writes` (every shard of each). */
function launch(reads: readonly Node[], writes: readonly Node[], c: TargetCaps = DEFAULT_WGSL_CAPS): LaunchTensors {
  const bind = (n: Node, access: "read" | "read_write") =>
    Array.from({ length: shardPlan(n.dtype, n.shape, c).count }, (_, shard) => ({ node: n, shard, access }));
  return { tensors: [...reads.flatMap((n) => bind(n, "read")), ...writes.flatMap((n) => bind(n, "read_write"))] };
}

/** Every invariant a plan must satisfy; returns the number of overlap checks made. */
function checkPlan(plan: MemoryPlan, graph: PlanGraph, launches: readonly LaunchTensors[], c: TargetCaps, why: string): number {
  for (const a of plan.arenas) {
    assert.ok(a.bytes <= c.maxBindingBytes, `${why}: arena ${a.index} has ${a.bytes} bytes > ${c.maxBindingBytes}`);
    assert.equal(a.bytes % 4, 0, `${why}: arena ${a.index} size`);
  }
  for (const p of plan.placements) {
    const arena = plan.arenas[p.arena]!;
    assert.equal(arena.kind, p.kind, `${why}: ${p.label} in a ${arena.kind} arena`);
    assert.equal(p.offset % plan.alignment, 0, `${why}: ${p.label} offset ${p.offset}`);
    assert.equal(p.bytes % 4, 0, `${why}: ${p.label} size ${p.bytes}`);
    assert.ok(p.bytes >= p.elems * elemBytes(p.elem), `${why}: ${p.label} too small`);
    assert.ok(p.bytes <= c.maxBindingBytes, `${why}: ${p.label} larger than a binding`);
    assert.ok(p.offset + p.bytes <= arena.bytes, `${why}: ${p.label} runs past its arena`);
  }
  // Every binding of every launch has a place; every graph leaf and output too.
  for (const l of launches) for (const t of l.tensors) placementOf(plan, t.node, t.shard);
  for (const n of [...graph.inputs, ...graph.params, ...graph.outputs.map((o) => o.node)]) assert.ok(plan.byNode.has(n), `${why}: ${n} unplanned`);
  // Weights never move and are live throughout; so are inputs. Two ranges of one arena may share
  // bytes only when their live intervals are disjoint.
  let checks = 0;
  const ps = plan.placements;
  for (let i = 0; i < ps.length; i++) {
    for (let j = i + 1; j < ps.length; j++) {
      const a = ps[i]!, b = ps[j]!;
      if (a.arena !== b.arena) continue;
      checks++;
      const together = a.first <= b.last && b.first <= a.last;
      const share = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
      assert.ok(!(together && share), `${why}: ${a.label}#${a.shard} [${a.first},${a.last}] @${a.offset}+${a.bytes} and ${b.label}#${b.shard} [${b.first},${b.last}] @${b.offset}+${b.bytes} overlap`);
    }
  }
  // Liveness is what the launches say: each bound activation is live at each launch binding it.
  launches.forEach((l, k) => {
    for (const t of l.tensors) {
      const p = placementOf(plan, t.node, t.shard);
      if (p.kind === "activations") assert.ok(p.first <= k && k <= p.last, `${why}: ${p.label} bound at ${k} outside [${p.first}, ${p.last}]`);
    }
  });
  // WebGPU: within one launch, no buffer holds both a range it writes and a range it reads.
  launches.forEach((l, k) => {
    const arenaOf = (t: LaunchTensors["tensors"][number]) => placementOf(plan, t.node, t.shard).arena;
    const written = new Set(l.tensors.filter((t) => t.access !== "read").map(arenaOf));
    for (const t of l.tensors) {
      if (t.access === "read") assert.ok(!written.has(arenaOf(t)), `${why}: launch ${k} reads ${t.node} from arena ${arenaOf(t)}, which it also writes`);
    }
  });
  assert.ok(plan.peak.activations <= plan.arenaBytes.activations, `${why}: peak above what the arenas hold`);
  return checks;
}

test("a chain a→b→c→d reuses a's space for c and b's for d", () => {
  const x = input("x", "f32", [40, 33]);
  const a = apply("exp", [x]), b = apply("sin", [a]), c = apply("cos", [b]), d = apply("tanh", [c]);
  const graph: PlanGraph = { inputs: [x], params: [], outputs: [{ name: "d", node: d }] };
  const launches = [launch([x], [a]), launch([a], [b]), launch([b], [c]), launch([c], [d])];
  const plan = planMemory(graph, launches, DEFAULT_WGSL_CAPS);
  checkPlan(plan, graph, launches, DEFAULT_WGSL_CAPS, "chain");
  const [pa, pb, pc, pd] = [a, b, c, d].map((n) => placementOf(plan, n));
  assert.deepEqual([pc!.arena, pc!.offset], [pa!.arena, pa!.offset], "c takes a's place");
  assert.deepEqual([pd!.arena, pd!.offset], [pb!.arena, pb!.offset], "d takes b's place");
  // Each launch reads from one buffer and writes to another (WebGPU forbids a buffer bound both
  // ways in one dispatch), so the chain ping-pongs between two arenas of one 40·33·4-byte slot each.
  assert.notEqual(pa!.arena, pb!.arena, "a and b are read and written by launch 1");
  assert.deepEqual(plan.arenas.filter((r) => r.kind === "activations").map((r) => r.bytes), [5280, 5280]);
  assert.equal(plan.peak.activations, 2 * 5280);
  assert.deepEqual([pd!.first, pd!.last], [3, 4], "an output lives to the end");
});

test("weights and inputs are never reused; tensors read and written by one launch never share bytes", () => {
  const x = input("x", "f32", [64]), w = param("w", "f32", [64]);
  const a = apply("mul", [x, w]), b = apply("exp", [a]), c = apply("add", [b, w]);
  const graph: PlanGraph = { inputs: [x], params: [w], outputs: [{ name: "c", node: c }] };
  const launches = [launch([x, w], [a]), launch([a], [b]), launch([b, w], [c])];
  const plan = planMemory(graph, launches, DEFAULT_WGSL_CAPS);
  checkPlan(plan, graph, launches, DEFAULT_WGSL_CAPS, "leaves");
  const kinds = plan.arenas.map((r) => r.kind);
  assert.deepEqual(kinds, ["weights", "inputs", "activations", "activations"]);
  assert.equal(placementOf(plan, w).kind, "weights");
  assert.equal(placementOf(plan, x).kind, "inputs");
  // c (written at 2) can take a's place (last read at 1) but not b's (read at 2).
  const where = (n: Node) => [placementOf(plan, n).arena, placementOf(plan, n).offset];
  assert.deepEqual(where(c), where(a));
  assert.notEqual(placementOf(plan, c).arena, placementOf(plan, b).arena);
  assert.throws(() => planMemory(graph, [...launches, launch([x], [w])], DEFAULT_WGSL_CAPS), /launch 3 writes parameter 'w'; planned inputs and parameters are read-only/);
  assert.deepEqual(plan.peak, { weights: 256, inputs: 256, activations: 512, total: 1024 });
});

test("offsets are aligned (256 by default, or as asked) for odd sizes", () => {
  const x = input("x", "f16", [3]);
  const ts: Node[] = [];
  let prev = x;
  const launches: LaunchTensors[] = [];
  for (let i = 0; i < 6; i++) {
    const t = apply("exp", [prev]);
    launches.push(launch(i === 0 ? [x] : ts, [t])); // every earlier tensor stays live
    ts.push(t);
    prev = t;
  }
  const graph: PlanGraph = { inputs: [x], params: [], outputs: [{ name: "y", node: prev }] };
  for (const alignment of [256, 512]) {
    const plan = planMemory(graph, launches, DEFAULT_WGSL_CAPS, { alignment });
    checkPlan(plan, graph, launches, DEFAULT_WGSL_CAPS, `alignment ${alignment}`);
      for (const t of ts) assert.equal(placementOf(plan, t).offset % alignment, 0);
    // Nothing dies, so within each arena the ranges sit at consecutive multiples of the alignment.
    for (const a of plan.arenas.filter((r) => r.kind === "activations")) {
      const offsets = ts.map((t) => placementOf(plan, t)).filter((p) => p.arena === a.index).map((p) => p.offset).sort((p, q) => p - q);
      assert.deepEqual(offsets, offsets.map((_, k) => k * alignment));
    }
    // f32 storage (no shader-f16 in the default caps): 3 values = 12 bytes per binding.
    assert.ok(ts.every((t) => placementOf(plan, t).bytes === 12));
  }
  assert.throws(() => planMemory(graph, launches, DEFAULT_WGSL_CAPS, { alignment: 6 }), /alignment must be a positive multiple of 4/);
});

test("no arena exceeds a tiny maxBindingBytes: new arenas open when one is full", () => {
  const c = caps(1024);
  const params = Array.from({ length: 5 }, (_, i) => param(`w${i}`, "f32", [75])); // 300 bytes each
  const x = input("x", "f32", [150]); // 600 bytes
  const acts = params.map((w) => apply("exp", [w]));
  // Ten activations of 600 bytes all live at once: at most one fits per 1024-byte arena.
  const big = Array.from({ length: 10 }, (_, i) => apply("add", [x, apply("constant", [], { dtype: "f32", shape: [150], value: i + 1 })]));
  const launches = [...big.map((t) => launch([x], [t], c)), ...acts.map((t, i) => launch([params[i]!], [t], c)), launch(big, [], c)];
  const graph: PlanGraph = { inputs: [x], params, outputs: big.map((t, i) => ({ name: `o${i}`, node: t })) };
  const plan = planMemory(graph, launches, c);
  checkPlan(plan, graph, launches, c, "tiny arenas");
  const count = (k: string) => plan.arenas.filter((a) => a.kind === k).length;
  // Weights: 300 bytes at 0 and at 512 fill an arena (1024 + 300 would not fit): 3 arenas for 5.
  assert.equal(count("weights"), 3);
  assert.equal(count("inputs"), 1);
  assert.ok(count("activations") >= 10, `${count("activations")} activation arenas for 10 live 600-byte tensors`);
  assert.ok(plan.arenas.every((a) => a.bytes <= 1024));
});

test("a tensor larger than one binding is planned shard by shard", () => {
  const c = caps(1024);
  const x = input("x", "f32", [10, 30]); // 1200 bytes: rows of 120 bytes, 8 rows (960 B) per shard
  const y = apply("exp", [x]);
  const graph: PlanGraph = { inputs: [x], params: [], outputs: [{ name: "y", node: y }] };
  const launches = [launch([x], [y], c)];
  const plan = planMemory(graph, launches, c);
  checkPlan(plan, graph, launches, c, "shards");
  for (const n of [x, y]) {
    const ps = plan.byNode.get(n)!;
    assert.equal(ps.length, 2);
    assert.deepEqual(ps.map((p) => p.elems), [240, 60]);
    assert.deepEqual(ps.map((p) => p.bytes), [960, 240]);
    assert.deepEqual(ps.map((p) => p.shard), [0, 1]);
    // Separate ranges: different arenas, or disjoint bytes of one arena.
    const [p0, p1] = [ps[0]!, ps[1]!];
    assert.ok(p0.arena !== p1.arena || p0.offset + p0.bytes <= p1.offset || p1.offset + p1.bytes <= p0.offset);
  }
  assert.throws(() => planMemory(graph, [{ tensors: [{ node: y, shard: 2, access: "read_write" }] }], c), /binds shard 2 of .* which has 2/);
});

test("property: on random launch lists no two simultaneously live tensors overlap", () => {
  const seed = testSeed();
  const rng = mulberry32(seed);
  const dtypes: DType[] = ["f32", "f16", "i32", "bool"];
  let checks = 0;
  for (let trial = 0; trial < 150; trial++) {
    const c = rng() < 0.4 ? caps(4096) : DEFAULT_WGSL_CAPS;
    const fresh = (name: string, kind: "input" | "param") => {
      const rank = randInt(rng, 1, 3);
      const shape = Array.from({ length: rank }, (_, i) => (i === rank - 1 ? randInt(rng, 1, 200) : randInt(rng, 1, 12)));
      return (kind === "input" ? input : param)(name, dtypes[randInt(rng, 0, dtypes.length)]!, shape);
    };
    const inputs = Array.from({ length: randInt(rng, 0, 4) }, (_, i) => fresh(`x${trial}_${i}`, "input"));
    const params = Array.from({ length: randInt(rng, 0, 4) }, (_, i) => fresh(`w${trial}_${i}`, "param"));
    // Activations are distinct nodes of random shapes (the planner only looks at nodes' types).
    const written: Node[] = [];
    const launches: LaunchTensors[] = [];
    const nl = randInt(rng, 1, 25);
    for (let k = 0; k < nl; k++) {
      const pool = [...inputs, ...params, ...written];
      const reads = new Set<Node>();
      for (let r = randInt(rng, 0, 4); r > 0 && pool.length; r--) reads.add(pool[randInt(rng, 0, pool.length)]!);
      const writes: Node[] = [];
      for (let w = randInt(rng, 1, 3); w > 0; w--) writes.push(fresh(`t${trial}_${k}_${w}`, "input"));
      // Sometimes a launch writes an earlier activation again (accumulation), extending its life.
      if (written.length && rng() < 0.15) {
        const again = written[randInt(rng, 0, written.length)]!;
        if (!reads.has(again)) writes.push(again);
      }
      launches.push(launch([...reads], writes, c));
      for (const w of writes) if (!written.includes(w)) written.push(w);
    }
    const outputs = written.filter(() => rng() < 0.3).map((n, i) => ({ name: `o${i}`, node: n }));
    if (inputs.length && rng() < 0.2) outputs.push({ name: "echo", node: inputs[0]! });
    const graph: PlanGraph = { inputs, params, outputs };
    const plan = planMemory(graph, launches, c);
    checks += checkPlan(plan, graph, launches, c, `seed ${seed} trial ${trial}`);
  }
  assert.ok(checks > 1000, `only ${checks} pairs checked`);
});

test("an output no launch writes is an error", () => {
  const x = input("x", "f32", [4]);
  const y = apply("exp", [x]);
  assert.throws(() => planMemory({ inputs: [x], params: [], outputs: [{ name: "y", node: y }] }, [], DEFAULT_WGSL_CAPS), /output 'y' .* is never written by any launch/);
});

test("lower() plans a traced graph; formatPlan and planJson describe it", () => {
  const g = trace("chain", { x: { dtype: "f32", shape: [6, 9] }, y: { dtype: "f32", shape: [6, 9] } }, ({ x, y }) => {
    const w = new Tensor(param("w", "f32", [9]));
    // Four softmax kernels in a chain (the elementwise prologue fuses into the first).
    const b = x!.mul(w).add(y!).softmax(-1);
    const cc = b.softmax(-1).softmax(-1);
    return { out: cc.softmax(-1) };
  });
  const lowered = lower(g, DEFAULT_WGSL_CAPS);
  const plan = lowered.plan;
  checkPlan(plan, lowered.graph, lowered.launches, DEFAULT_WGSL_CAPS, "traced");
  assert.equal(plan.launches, lowered.launches.length);
  assert.equal(lowered.launches.length, 4);
  // Launch 2's output reuses launch 0's (dead after launch 1).
  const written = lowered.launches.map((l) => l.tensors.find((t) => t.access === "read_write")!.node);
  const where = (n: Node) => [placementOf(plan, n).arena, placementOf(plan, n).offset];
  assert.deepEqual(where(written[2]!), where(written[0]!));

  const text = formatPlan(plan);
  assert.match(text, /^memory plan: 4 arenas holding /);
  assert.match(text, /arena  0  weights/);
  assert.match(text, /\bw f32\[9\]/);
  assert.match(text, /\(output 'out'\) f32\[6, 9\]/);
  const json = JSON.parse(JSON.stringify(planJson(plan))) as ReturnType<typeof planJson>;
  assert.equal(json.placements.length, plan.placements.length);
  assert.equal(json.arenaBytes.total, plan.arenaBytes.total);
  assert.deepEqual(json.placements.find((p) => p.tensor === "w")!.live, [-1, 4]);
  assert.ok(json.placements.some((p) => p.outputs.includes("out")));
});
