// Counter-based random numbers: the noise of MaskGIT sampling (Gumbel) and of dropout (uniform).
//
// Element e of `random(seed){shape, dist, stream}` is Philox4x32-10 with key = seed and
// counter = (e, stream, 0, 0) (see ../philox.ts). Because every element is a pure function of its
// flat index, a kernel computes any element anywhere, the reference and every backend agree bit
// for bit, and the host sampler can redraw the same noise. `stream` separates independent draws
// under one seed (say, one per sampling step) without touching the seed tensor.

import { defineOp } from "../op.ts";
import { randomElement } from "../philox.ts";
import { tensor } from "../ref.ts";
import { dim, dimEq, formatShape } from "../types.ts";
import { ex } from "./util.ts";

const U32_LIMIT = 2 ** 32;

export const randomOp = defineOp({
  name: "random",
  family: "source",
  arity: 1,
  operands: ["seed"],
  attrs: {
    shape: { kind: "shape", doc: "shape of the result" },
    dist: { kind: "string", oneOf: ["uniform", "gumbel"], doc: "uniform on (0, 1), or standard Gumbel −log(−log u)" },
    stream: { kind: "int", default: 0, doc: "second counter word: independent draws under one seed" },
  },
  doc: "Philox4x32-10 noise: key = seed (u32[2]), counter = (flat index, stream, 0, 0); " +
    "u = ((x₀ >> 9) + 0.5) / 2²³ ∈ (0, 1), exact in f32; gumbel = −log(−log u). Result f32.",
  dtype: ([seed], a) => {
    if (seed !== "u32") throw new Error(`seed must be u32, got ${seed}`);
    const stream = a.stream;
    if (stream < 0 || stream >= U32_LIMIT) throw new Error(`stream ${stream} must be in [0, 2^32)`);
    return "f32";
  },
  shape: ([seed], a) => {
    if (seed!.length !== 1 || !dimEq(seed![0]!, 2)) throw new Error(`seed must have shape [2], got ${formatShape(seed!)}`);
    return a.shape.map(dim);
  },
  reference: ([seed], a, out) => {
    const dist = a.dist, stream = a.stream;
    const s0 = seed!.data[0]!, s1 = seed!.data[1]!;
    const t = tensor(out.dtype, out.shape);
    // The flat index is the first counter word: a single tensor holds at most 2^32 draws.
    if (t.data.length > U32_LIMIT) throw new Error(`random tensor of ${t.data.length} elements exceeds 2^32 counters`);
    for (let e = 0; e < t.data.length; e++) t.data[e] = randomElement(dist, s0, s1, e, stream);
    return t;
  },
  vjp: () => [null],
  differentiable: false,
  examples: () => [
    { inputs: [ex("u32", [2], { kind: "values", values: [12345, 67890] })], attrs: { shape: [4, 5], dist: "uniform" } },
    { inputs: [ex("u32", [2], { kind: "values", values: [0xdeadbeef, 7] })], attrs: { shape: [3, 7], dist: "gumbel", stream: 3 } },
  ],
});
