// How each op of the table reaches kernels (the "lowering" column of principle 1, kept beside the
// kernel builders so the op table stays free of target concerns). Every op is one of:
//
//   inline     an expression of its inputs at the same (or a remapped) index; fused into whatever
//              kernel consumes it. `view` ops only remap indices and are duplicated freely.
//   kernel     the root of its own kernel, built by a builder under builders/.
//   decompose  rewritten into primitives by its decomposition before fusion (lower-composites).
//
// The table is keyed by OpName, so a missing op fails the type check; a test also walks the
// registered ops at run time.

import type { OpName } from "../ir/ops.ts";

export type Lowering = "inline" | "view" | "kernel" | "decompose" | "leaf";

// Keyed by the op table's type: an op without a lowering here (or a name that is no op) is a
// type error, so `make test`'s type check catches it before any graph is lowered.
const TABLE: { readonly [K in OpName]: Lowering } = {
  input: "leaf", param: "leaf",
  constant: "view", iota: "view",
  reshape: "view", permute: "view", broadcast: "view", slice: "view", pad: "view", concat: "view",
  upsample_nearest: "view", gather: "view", dynamic_slice: "view", update_slice: "view",
  random: "inline", cast: "inline", where: "inline",
  neg: "inline", abs: "inline", sign: "inline", exp: "inline", log: "inline", sqrt: "inline", rsqrt: "inline",
  reciprocal: "inline", tanh: "inline", sigmoid: "inline", erf: "inline", sin: "inline", cos: "inline",
  floor: "inline", ceil: "inline", round: "inline", not: "inline",
  add: "inline", sub: "inline", mul: "inline", div: "inline", mod: "inline", trunc_div: "inline", pow: "inline",
  maximum: "inline", minimum: "inline", eq: "inline", ne: "inline", lt: "inline", le: "inline", gt: "inline",
  ge: "inline", and: "inline", or: "inline", xor: "inline",
  sum: "kernel", max: "kernel", min: "kernel", mean: "kernel", argmax: "kernel",
  matmul: "kernel", conv2d: "kernel", conv2d_grad_input: "kernel", conv2d_grad_weight: "kernel",
  scatter_add: "kernel",
  softmax: "kernel", log_softmax: "kernel", layer_norm: "kernel", group_norm: "kernel", attention: "kernel",
  attention_qknorm: "kernel", block_lists: "kernel", attention_grad_q: "kernel", attention_grad_kv: "kernel",
  gelu: "decompose", silu: "decompose", rotary: "decompose", cross_entropy: "decompose",
  stop_gradient: "decompose", // its decomposition is its input: free once lowered
};

export function lowering(op: string): Lowering {
  const l = (TABLE as Readonly<Record<string, Lowering>>)[op];
  if (!l) throw new Error(`op '${op}' has no lowering to kernels (add it to compiler/kernels/lowering.ts)`);
  return l;
}

export function hasLowering(op: string): boolean {
  return op in TABLE;
}
