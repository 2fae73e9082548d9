// Whether a detected scene (detect.ts) shows what a spec (a prompt's or a caption's, world.ts
// SceneSpec) states, per category, GenEval-style. A category the spec does not state is null.
//
//   shape       the detected kinds are exactly the spec's kinds (an "unknown" shape fails)
//   count       as many objects as the spec has in all, and for each spec kind that was detected,
//               as many of that kind as stated
//   color       each spec group's kind, where detected, is all of the stated colour; a kind not
//               detected needs some object of the stated colour
//   position    (stated) each stated position is held by a detected object of the group's kind
//               (of its colour when the kind is missing), as a multiset
//   size        (stated) the group's objects (by kind, else by colour) are all of the stated size
//   background  (stated) the detected background is the stated one
//   overall     every stated category holds

import type { DetectedShape, Detection } from "./detect.ts";
import type { Position, SceneSpec, SpecGroup } from "./world.ts";

export const MATCH_CATEGORIES = ["color", "shape", "count", "position", "size", "background"] as const;
export type MatchCategory = (typeof MATCH_CATEGORIES)[number];

export type MatchResult = Record<"color" | "shape" | "count", boolean> & Record<"position" | "size" | "background", boolean | null> & { readonly overall: boolean };

/** The detected objects a spec group refers to: those of its kind, or of its colour when the kind is absent. */
function objectsFor(g: SpecGroup, shapes: readonly DetectedShape[]): DetectedShape[] {
  const byKind = shapes.filter((s) => s.shape === g.shape);
  return byKind.length > 0 ? byKind : shapes.filter((s) => s.color === g.color);
}

function coversPositions(stated: readonly Position[], found: readonly Position[]): boolean {
  const left = [...found];
  return stated.every((p) => {
    const i = left.indexOf(p);
    if (i < 0) return false;
    left.splice(i, 1);
    return true;
  });
}

export function matches(spec: SceneSpec, detected: Detection): MatchResult {
  const shapes = detected.shapes;
  const kinds = new Set(spec.groups.map((g) => g.shape));
  const found = new Set(shapes.map((s) => s.shape));
  const shape = found.size === kinds.size && [...found].every((k) => k !== "unknown" && kinds.has(k));
  const total = spec.groups.reduce((s, g) => s + g.count, 0);
  const count = shapes.length === total && spec.groups.every((g) => {
    const n = shapes.filter((s) => s.shape === g.shape).length;
    return n === 0 || n === g.count;
  });
  const color = spec.groups.every((g) => {
    const of = shapes.filter((s) => s.shape === g.shape);
    return of.length > 0 ? of.every((s) => s.color === g.color) : shapes.some((s) => s.color === g.color);
  });
  const withPositions = spec.groups.filter((g) => g.positions !== undefined);
  const position = withPositions.length === 0 ? null : withPositions.every((g) => coversPositions(g.positions!, objectsFor(g, shapes).map((s) => s.position)));
  const withSize = spec.groups.filter((g) => g.size !== undefined);
  const size = withSize.length === 0 ? null : withSize.every((g) => {
    const of = objectsFor(g, shapes);
    return of.length > 0 && of.every((s) => s.size === g.size);
  });
  const background = spec.background === undefined ? null : detected.background === spec.background;
  const overall = color && shape && count && position !== false && size !== false && background !== false;
  return { color, shape, count, position, size, background, overall };
}
