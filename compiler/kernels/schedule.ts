// schedule: a partitioned graph → the ordered kernel launches of one run. Each fusion group is
// handed to the builder of its kind; builders return a Launch (kernel + what its bindings hold).

import type { FusionGroup, Partition } from "./fuse-elementwise.ts";
import { buildElementwise } from "./builders/elementwise.ts";
import type { Launch } from "./emit.ts";
import type { TargetCaps } from "./target.ts";

export type Builder = (group: FusionGroup, caps: TargetCaps, part: Partition) => Launch | readonly Launch[];

const BUILDERS: Record<string, Builder> = {
  elementwise: buildElementwise,
};

/** Register the builder for a kernel kind (an op name, or "elementwise"). */
export function registerBuilder(kind: string, builder: Builder): void {
  BUILDERS[kind] = builder;
}

export function hasBuilder(kind: string): boolean {
  return kind in BUILDERS;
}

export function schedule(part: Partition, caps: TargetCaps): Launch[] {
  const launches: Launch[] = [];
  for (const g of part.groups) {
    const build = BUILDERS[g.kind];
    if (!build) throw new Error(`no kernel builder for '${g.kind}' yet (needed by ${g.root})`);
    const out = build(g, caps, part);
    if (Array.isArray(out)) launches.push(...(out as Launch[]));
    else launches.push(out as Launch);
  }
  return launches;
}
