// A lowered graph (runtime/executable.ts lower()) as the package's plain data
// (runtime/web/executable-data.ts): kernels deduplicated by WGSL text into one table shared by
// every executable of a package, each launch's bindings as arena ranges, each leaf's shards.

import type { Node } from "../../compiler/ir/graph.ts";
import { concreteShape } from "../../compiler/ir/types.ts";
import { kernelInterface } from "../../compiler/kernels/kernel-ir.ts";
import { placementOf } from "../../compiler/passes/plan-memory.ts";
import { printWgsl } from "../../backends/wgsl/print.ts";
import type { CompiledGraph } from "../executable.ts";
import type { ExecutableData, KernelData, LeafData } from "../web/executable-data.ts";

/** The kernel table of a package, filled as executables are added. */
export class KernelTable {
  readonly kernels: KernelData[] = [];
  readonly #byText = new Map<string, number>();

  add(k: Parameters<typeof printWgsl>[0]): number {
    const source = printWgsl(k);
    let i = this.#byText.get(source);
    if (i === undefined) {
      const iface = kernelInterface(k);
      i = this.kernels.length;
      this.kernels.push({ name: k.name, source, bindings: iface.bindings, uniform: iface.uniform, logicalGrid: iface.logicalGrid });
      this.#byText.set(source, i);
    }
    return i;
  }
}

function leafOf(c: CompiledGraph, node: Node, name: string): LeafData {
  const places = c.plan.byNode.get(node);
  if (!places) throw new Error(`internal: '${name}' of '${c.graph.name}' has no memory`);
  return {
    name, dtype: node.dtype, shape: concreteShape(node.shape), elem: places[0]!.elem,
    shards: places.map((p) => ({ arena: p.arena, offset: p.offset, elems: p.elems })),
  };
}

/** The data of one compiled graph; its kernels go into `table`. */
export function executableData(name: string, c: CompiledGraph, table: KernelTable): ExecutableData {
  const inputs = c.graph.inputs;
  return {
    name,
    arenas: c.plan.arenas.map((a) => a.bytes),
    inputs: inputs.map((n) => leafOf(c, n, String(n.attrs["name"]))),
    params: c.graph.params.map((n) => leafOf(c, n, String(n.attrs["name"]))),
    outputs: c.graph.outputs.map((o) => leafOf(c, o.node, o.name)),
    launches: c.launches.map((l) => {
      const kernel = table.add(l.kernel);
      // Bindings in the kernel's binding order.
      const order = l.kernel.bindings.map((b) => l.tensors.find((t) => t.binding === b.name)!);
      return {
        kernel, label: l.label, grid: [...l.grid], params: { ...l.params },
        bindings: order.map((t) => {
          const p = placementOf(c.plan, t.node, t.shard);
          const input = inputs.indexOf(t.node);
          return { arena: p.arena, offset: p.offset, size: p.bytes, ...(input >= 0 ? { input: [input, t.shard] as const } : {}) };
        }),
      };
    }),
  };
}
