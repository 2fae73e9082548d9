// How each op of the table reaches kernels (the "lowering" column of principle 1, kept beside the
// kernel builders so the op table stays free of target concerns). Every op is one of:
//
//   inline     an expression of its inputs at the same (or a remapped) index; fused into whatever
//              kernel consumes it. `view` ops only remap indices and are duplicated freely.
//   kernel     the root of its own kernel, built by a builder under builders/.
//   decompose  rewritten into primitives by its decomposition before fusion (lower-composites).
//
// A test walks the op table and fails for any op without a lowering here.

export type Lowering = "inline" | "view" | "kernel" | "decompose" | "leaf";

const TABLE: Record<string, Lowering> = {
  input: "leaf", param: "leaf",
  constant: "view", iota: "view",
  reshape: "view", permute: "view", broadcast: "view", slice: "view", pad: "view", concat: "view",
  upsample_nearest: "view", gather: "view", dynamic_slice: "view", update_slice: "view",
  random: "inline", cast: "inline", where: "inline",
  sum: "kernel", max: "kernel", min: "kernel", mean: "kernel", argmax: "kernel",
  matmul: "kernel", conv2d: "kernel", conv2d_grad_input: "kernel", conv2d_grad_weight: "kernel",
  scatter_add: "kernel",
  softmax: "kernel", log_softmax: "kernel", layer_norm: "kernel", group_norm: "kernel", attention: "kernel",
  attention_qknorm: "kernel", block_lists: "kernel", attention_grad_q: "kernel", attention_grad_kv: "kernel",
  gelu: "decompose", silu: "decompose", rotary: "decompose", cross_entropy: "decompose",
  stop_gradient: "decompose", // its decomposition is its input: free once lowered
};

const ELEMENTWISE = [
  "neg", "abs", "sign", "exp", "log", "sqrt", "rsqrt", "reciprocal", "tanh", "sigmoid", "erf", "sin", "cos",
  "floor", "ceil", "round", "not", "add", "sub", "mul", "div", "mod", "trunc_div", "pow", "maximum", "minimum",
  "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor",
];
for (const op of ELEMENTWISE) TABLE[op] = "inline";

export function lowering(op: string): Lowering {
  const l = TABLE[op];
  if (!l) throw new Error(`op '${op}' has no lowering to kernels (add it to compiler/kernels/lowering.ts)`);
  return l;
}

export function hasLowering(op: string): boolean {
  return op in TABLE;
}
