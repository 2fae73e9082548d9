// Runs a compiled executable's launches on device-resident data, for timing GPU work alone.
//
// Executable.run() uploads its inputs, dispatches, and reads every output back; a benchmark of
// kernels wants the middle part only. After one ordinary run (which uploads the inputs into the
// executable's input arena, where they stay: inputs and weights are never reused by the memory
// plan), dispatch() records every launch with the executable's own bindings — the same arenas,
// offsets and sizes, from its memory plan — into one command encoder, submits once and waits for
// the queue. The pipelines are the executable's (the device caches them by WGSL text).

import type { Node } from "../compiler/ir/graph.ts";
import type { RefTensor } from "../compiler/ir/ref.ts";
import type { BufferRange, CompiledKernel, Device } from "../runtime/device.ts";
import type { Executable } from "../runtime/executable.ts";

export class LaunchRunner {
  readonly exe: Executable<Device>;
  readonly #device: Device;
  readonly #kernels: readonly CompiledKernel[];
  readonly #bindings: readonly Readonly<Record<string, BufferRange>>[];

  private constructor(exe: Executable<Device>, kernels: readonly CompiledKernel[], bindings: readonly Readonly<Record<string, BufferRange>>[]) {
    this.exe = exe;
    this.#device = exe.device;
    this.#kernels = kernels;
    this.#bindings = bindings;
  }

  /**
   * Sets the weights (when the graph has any), runs once to place the inputs, resolves every
   * launch's bindings, and zeroes the outputs.
   */
  static async create(exe: Executable<Device>, inputs: Readonly<Record<string, RefTensor>>, params: Readonly<Record<string, RefTensor>>): Promise<LaunchRunner> {
    if (exe.graph.params.length > 0) exe.setParams(params);
    await exe.run(inputs);
    const device: Device = exe.device;
    const kernels: CompiledKernel[] = [];
    for (const l of exe.compiled.launches) kernels.push(await device.compile(l.kernel));
    const arenas = exe.arenaBuffers;
    const range = (node: Node, shard: number): BufferRange => {
      const p = exe.plan.byNode.get(node)?.[shard];
      if (!p) throw new Error(`the memory plan has no shard ${shard} of ${node}`);
      return { buffer: arenas[p.arena]!, offset: p.offset, size: p.bytes };
    };
    const bindings = exe.compiled.launches.map((l) => {
      const b: Record<string, BufferRange> = {};
      for (const t of l.tensors) b[t.binding] = range(t.node, t.shard);
      return b;
    });
    // Clear the outputs run() just wrote, so a check after dispatch() sees what dispatch() computed.
    for (const o of exe.graph.outputs) {
      for (const p of exe.plan.byNode.get(o.node) ?? []) device.upload(arenas[p.arena]!, new Uint8Array(p.bytes), p.offset);
    }
    return new LaunchRunner(exe, kernels, bindings);
  }

  /** Every launch in one command encoder, one submit; resolves when the GPU has finished. */
  async dispatch(): Promise<void> {
    const rec = this.#device.recorder();
    this.exe.compiled.launches.forEach((l, k) => rec.dispatch(this.#kernels[k]!, { grid: l.grid, bindings: this.#bindings[k]!, params: l.params }));
    await rec.submit("bench");
    await this.#device.sync();
  }

  /** The launches at `ks`, in that order, in one command encoder and one submit: for timing a kind of kernel. */
  async dispatchSome(ks: readonly number[]): Promise<void> {
    const rec = this.#device.recorder();
    for (const k of ks) {
      const l = this.exe.compiled.launches[k];
      if (!l) throw new Error(`no launch ${k} (there are ${this.exe.compiled.launches.length})`);
      rec.dispatch(this.#kernels[k]!, { grid: l.grid, bindings: this.#bindings[k]!, params: l.params });
    }
    await rec.submit("bench");
    await this.#device.sync();
  }

  /** Launch k alone (one submit), resolving when the GPU has finished it: for per-kernel timings. */
  async dispatchOne(k: number): Promise<void> {
    const l = this.exe.compiled.launches[k];
    if (!l) throw new Error(`no launch ${k} (there are ${this.exe.compiled.launches.length})`);
    await this.#device.recorder().dispatch(this.#kernels[k]!, { grid: l.grid, bindings: this.#bindings[k]!, params: l.params }).submit("bench");
    await this.#device.sync();
  }

  /** A graph output as float64 values (what the last dispatch wrote). */
  async read(name: string): Promise<RefTensor> {
    const out = this.exe.graph.outputs.find((o) => o.name === name);
    if (!out) throw new Error(`no output named '${name}' (outputs: ${this.exe.graph.outputs.map((o) => o.name).join(", ")})`);
    return this.exe.read(out.node);
  }

  /** Nothing of its own to free: the memory is the executable's (freed by exe.dispose()). */
  dispose(): void {}
}
