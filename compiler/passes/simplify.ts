// Simplification: constant folding and algebraic identities as small rewrite rules, plus the
// CSE and DCE passes.
//
// Every rule keeps the node's dtype and shape (the driver checks). Identities only drop a constant
// operand whose shape already equals the result, so no rule changes broadcasting. CSE needs no rule:
// the driver rebuilds every node through `apply`, and interning merges identical nodes. DCE needs
// no rule either: a Graph reaches only what its outputs use (declared inputs and params stay; they
// are the graph's interface).

import { apply, constant } from "../ir/build.ts";
import type { Graph, Node } from "../ir/graph.ts";
import { allOps, getOp } from "../ir/ops.ts";
import { tensor } from "../ir/ref.ts";
import { shapeEq } from "../ir/types.ts";
import type { OpNode } from "../ir/view.ts";
import { attrsOf, isOp } from "../ir/view.ts";
import type { Rule, RewriteOptions } from "./rewrite.ts";
import { rewrite } from "./rewrite.ts";

const isConst = (n: Node): n is OpNode<"constant"> => isOp(n, "constant");
const constValue = (n: Node): number => attrsOf(n, "constant").value;
/** `n` is a splat constant of `v` with exactly the shape of `like` (so dropping it is exact). */
const isConstOf = (n: Node, v: number, like: Node): boolean =>
  isConst(n) && constValue(n) === v && n.dtype === like.dtype && shapeEq(n.shape, like.shape);

const elementwiseOps = (): string[] => allOps().filter((d) => d.family === "elementwise").map((d) => d.name);

/** An elementwise op whose inputs are all splat constants is a splat constant. */
export const foldElementwise: Rule = {
  name: "fold-elementwise",
  root: elementwiseOps(),
  apply: (n) => {
    if (n.inputs.length === 0 || !n.inputs.every(isConst)) return null;
    // The op's own reference on one element gives the value, rounded to the result dtype.
    const args = n.inputs.map((i) => tensor(i.dtype, [], [constValue(i)]));
    const out = getOp(n.op).reference(args, n.attrs, { dtype: n.dtype, shape: [] });
    return constant(out.data[0]!, n.dtype, n.shape);
  },
};

export const addZero: Rule = {
  name: "add-zero",
  root: "add",
  apply: (n) => {
    const [a, b] = n.inputs as [Node, Node];
    if (isConstOf(b, 0, n)) return a;
    if (isConstOf(a, 0, n)) return b;
    return null;
  },
};

export const subZero: Rule = {
  name: "sub-zero",
  root: "sub",
  apply: (n) => (isConstOf(n.inputs[1]!, 0, n) ? n.inputs[0]! : null),
};

export const mulOne: Rule = {
  name: "mul-one",
  root: "mul",
  apply: (n) => {
    const [a, b] = n.inputs as [Node, Node];
    if (isConstOf(b, 1, n)) return a;
    if (isConstOf(a, 1, n)) return b;
    return null;
  },
};

export const divOne: Rule = {
  name: "div-one",
  root: "div",
  apply: (n) => (isConstOf(n.inputs[1]!, 1, n) ? n.inputs[0]! : null),
};

export const negNeg: Rule = {
  name: "neg-neg",
  root: "neg",
  apply: (n) => (n.inputs[0]!.op === "neg" ? n.inputs[0]!.inputs[0]! : null),
};

export const reshapeSame: Rule = {
  name: "reshape-same",
  root: "reshape",
  apply: (n) => (shapeEq(n.inputs[0]!.shape, n.shape) ? n.inputs[0]! : null),
};

export const reshapeReshape: Rule = {
  name: "reshape-reshape",
  root: "reshape",
  apply: (n) => {
    const x = n.inputs[0]!;
    return x.op === "reshape" ? apply("reshape", [x.inputs[0]!], { shape: [...n.shape] }, n.loc) : null;
  },
};

export const permuteIdentity: Rule = {
  name: "permute-identity",
  root: "permute",
  apply: (n) => (attrsOf(n, "permute").perm.every((p, i) => p === i) ? n.inputs[0]! : null),
};

export const permutePermute: Rule = {
  name: "permute-permute",
  root: "permute",
  apply: (n) => {
    const x = n.inputs[0]!;
    if (!isOp(x, "permute")) return null;
    // out.shape[i] = x.shape[outer[i]] = x0.shape[inner[outer[i]]]
    const inner = x.attrs.perm, outer = attrsOf(n, "permute").perm;
    return apply("permute", [x.inputs[0]!], { perm: outer.map((p) => inner[p]!) }, n.loc);
  },
};

export const broadcastSame: Rule = {
  name: "broadcast-same",
  root: "broadcast",
  apply: (n) => (shapeEq(n.inputs[0]!.shape, n.shape) ? n.inputs[0]! : null),
};

export const broadcastConstant: Rule = {
  name: "broadcast-constant",
  root: "broadcast",
  apply: (n) => {
    const x = n.inputs[0]!;
    return isConst(x) ? constant(constValue(x), n.dtype, n.shape) : null;
  },
};

export const broadcastBroadcast: Rule = {
  name: "broadcast-broadcast",
  root: "broadcast",
  // Each dim of x is 1 or equal to the middle shape's, which is 1 or equal to the outer one's.
  apply: (n) => {
    const x = n.inputs[0]!;
    return x.op === "broadcast" ? apply("broadcast", [x.inputs[0]!], { shape: [...n.shape] }, n.loc) : null;
  },
};

export const castSame: Rule = {
  name: "cast-same",
  root: "cast",
  apply: (n) => (n.inputs[0]!.dtype === n.dtype ? n.inputs[0]! : null),
};

export const reduceNoAxes: Rule = {
  name: "reduce-no-axes",
  root: ["sum", "max", "min", "mean"],
  apply: (n) => {
    if (attrsOf(n, "sum", "max", "min", "mean").axes.length !== 0) return null;
    const x = n.inputs[0]!;
    return x.dtype === n.dtype && shapeEq(x.shape, n.shape) ? x : { noMatch: "reduction over no axes changes the type" };
  },
};

/** The rules of the "simplify" pass, in the order they are tried on a node. */
export const simplifyRules: readonly Rule[] = [
  foldElementwise,
  addZero, subZero, mulOne, divOne, negNeg,
  reshapeSame, reshapeReshape,
  permuteIdentity, permutePermute,
  broadcastSame, broadcastConstant, broadcastBroadcast,
  castSame,
  reduceNoAxes,
];

export function simplify(graph: Graph, opts: RewriteOptions = {}): Graph {
  return rewrite(graph, simplifyRules, opts);
}

/** Rebuild every node through `apply`: identical nodes intern to one (and types are re-checked). */
export function cse(graph: Graph, opts: RewriteOptions = {}): Graph {
  return rewrite(graph, [], opts);
}

export interface DceResult {
  readonly graph: Graph;
  /** Nodes of `given` that nothing the outputs need uses. */
  readonly removed: readonly Node[];
}

/**
 * Keep only what the outputs reach (plus the declared inputs and params). `given` is a node list
 * the graph came from, e.g. every node a parsed file defined; it defaults to the graph's own nodes.
 */
export function dce(graph: Graph, given: readonly Node[] = graph.nodes()): DceResult {
  const live = new Set(graph.nodes());
  return { graph: graph.withOutputs(graph.outputs), removed: given.filter((n) => !live.has(n)) };
}
