// Reverse-mode automatic differentiation as a graph → graph pass.
//
// The backward graph is built by backprop (compiler/ir/backprop.ts) from each op's VJP column in the
// op table (composites use their own VJP, never their decomposition). The walk:
//   1. order the loss's ancestors topologically;
//   2. mark the float nodes that depend on a differentiated leaf (params in `wrt`, inputs in
//      `inputsWrt`): only those can carry a gradient, so no VJP is built for anything else;
//   3. seed the loss with ones (or a cotangent input), visit marked nodes in reverse order, call
//      their VJP with the summed incoming gradient, and add contributions per input (fan-out).
// A `null` from a VJP means "no contribution". Leaves with no path to the loss get a zero gradient.
// The result holds the original outputs plus `grad.<leaf name>` for every differentiated leaf.

import { backprop } from "../ir/backprop.ts";
import { constant, input } from "../ir/build.ts";
import type { GraphOutput, Node } from "../ir/graph.ts";
import { Graph } from "../ir/graph.ts";
import { formatType, isFloat } from "../ir/types.ts";
import { attrsOf } from "../ir/view.ts";

export interface GradOptions {
  /** Output to differentiate: a float scalar (every dimension 1). */
  readonly loss: string;
  /** Parameter names to differentiate with respect to; default every float parameter. */
  readonly wrt?: readonly string[];
  /** Input names to differentiate with respect to; default none. */
  readonly inputsWrt?: readonly string[];
}

export interface VjpGraphOptions {
  /** Output whose cotangent becomes a new graph input; any float shape. */
  readonly output: string;
  /** Name of that input; default `grad_output.<output>`. */
  readonly cotangentInput?: string;
  readonly wrt?: readonly string[];
  readonly inputsWrt?: readonly string[];
}

export const gradName = (leafName: string): string => `grad.${leafName}`;
const leafName = (n: Node): string => attrsOf(n, "input", "param").name;

/** The gradient of the scalar output `loss` with respect to parameters (and optionally inputs). */
export function grad(graph: Graph, opts: GradOptions): Graph {
  const loss = graph.output(opts.loss);
  if (!isFloat(loss.dtype) || !loss.shape.every((d) => d === 1)) {
    throw new Error(`autodiff: loss '${opts.loss}' must be a float scalar, got ${formatType(loss.dtype, loss.shape)}`
      + " (reduce it with sum or mean, or use vjpGraph for a non-scalar output)");
  }
  const leaves = selectLeaves(graph, opts.wrt, opts.inputsWrt);
  const grads = backprop(loss, constant(1, loss.dtype, loss.shape), leaves);
  return new Graph(graph.name, graph.inputs, graph.params, withGradOutputs(graph.outputs, leaves, grads));
}

/**
 * The vector-Jacobian product of one output: its cotangent is a new graph input, and the result
 * holds `grad.<leaf>` = cotangent · ∂output/∂leaf for every differentiated leaf.
 */
export function vjpGraph(graph: Graph, opts: VjpGraphOptions): Graph {
  const out = graph.output(opts.output);
  if (!isFloat(out.dtype)) throw new Error(`autodiff: output '${opts.output}' has dtype ${out.dtype}; only float outputs have gradients`);
  const ctName = opts.cotangentInput ?? `grad_output.${opts.output}`;
  if (graph.inputs.some((n) => leafName(n) === ctName)) throw new Error(`autodiff: graph '${graph.name}' already has an input '${ctName}'`);
  const ct = input(ctName, out.dtype, out.shape);
  const leaves = selectLeaves(graph, opts.wrt, opts.inputsWrt);
  const grads = backprop(out, ct, leaves);
  return new Graph(graph.name, [...graph.inputs, ct], graph.params, withGradOutputs(graph.outputs, leaves, grads));
}

function selectLeaves(graph: Graph, wrt: readonly string[] | undefined, inputsWrt: readonly string[] | undefined): Node[] {
  const pick = (kind: string, decl: readonly Node[], names: readonly string[]): Node[] =>
    names.map((name) => {
      const n = decl.find((d) => leafName(d) === name);
      if (!n) throw new Error(`autodiff: graph has no ${kind} '${name}' (${kind}s: ${decl.map(leafName).join(", ") || "none"})`);
      if (!isFloat(n.dtype)) throw new Error(`autodiff: ${kind} '${name}' has dtype ${n.dtype}; only float ${kind}s have gradients`);
      return n;
    });
  const params = wrt ? pick("param", graph.params, wrt) : graph.params.filter((p) => isFloat(p.dtype));
  return [...params, ...pick("input", graph.inputs, inputsWrt ?? [])];
}

function withGradOutputs(outputs: readonly GraphOutput[], leaves: readonly Node[], grads: readonly (Node | null)[]): GraphOutput[] {
  const result = [...outputs];
  const names = new Set(outputs.map((o) => o.name));
  leaves.forEach((leaf, i) => {
    const name = gradName(leafName(leaf));
    if (names.has(name)) throw new Error(`autodiff: output name '${name}' is already taken`);
    names.add(name);
    result.push({ name, node: grads[i] ?? constant(0, leaf.dtype, leaf.shape) });
  });
  return result;
}
