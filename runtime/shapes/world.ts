// The shapes world: scenes of one to three flat shapes on a plain background, sampled from a seed.
//
// A scene is a background and a list of objects; objects of one kind form a group that shares a
// colour and a size (so "two blue squares" is one group of count 2), and no two groups share a
// kind, which keeps every "the {shape}" question unambiguous. Layouts (group counts): [1], [2],
// [3], [1,1], [2,1], [1,1,1].
//
// Every object sits in its own position slot (left, right, top, bottom, center; positionOf is the
// rule), placed well inside its slot's region so that the slot is clear from the picture: its
// centre is in the centre square |u|, |v| ≤ 0.1 or, for a side, 0.32 ≤ major ≤ 0.8 and
// |minor| ≤ 0.6·major, where u, v ∈ [−1, 1] are the centre's offsets from the image centre in
// half-widths and the rule's boundaries are max(|u|, |v|) = 0.22 and |u| = |v|. Shapes stay
// MARGIN px inside the image and GAP px apart (by their boxes or their bounding circles), so
// anti-aliasing never joins two of them. Centres are multiples of 1/16 px.
//
// Splits: "train" scenes never contain a held-out (colour, shape) pair (HELDOUT_COMBOS); "heldout"
// scenes are drawn from another Philox purpose, and every even-numbered one has a held-out pair in
// its first group (the odd ones are unconstrained).

import type { Shape } from "./geometry.ts";
import { SHAPES, unitExtent } from "./geometry.ts";
import { PURPOSE, Rng } from "./random.ts";

export { SHAPES };
export type { Shape };

export const COLORS = {
  red: [220, 30, 30],
  green: [30, 160, 60],
  blue: [30, 80, 220],
  yellow: [245, 210, 20],
  orange: [245, 120, 20],
  purple: [140, 60, 190],
} as const satisfies Record<string, readonly [number, number, number]>;
export type Color = keyof typeof COLORS;
export const COLOR_NAMES = Object.keys(COLORS) as Color[];

export const BACKGROUNDS = {
  white: [255, 255, 255],
  black: [0, 0, 0],
  gray: [128, 128, 128],
  beige: [235, 220, 185],
} as const satisfies Record<string, readonly [number, number, number]>;
export type Background = keyof typeof BACKGROUNDS;
export const BACKGROUND_NAMES = Object.keys(BACKGROUNDS) as Background[];

/** Size radius as a fraction of the image width (geometry.ts scales each outline by it). */
export const SIZES = { small: 0.13, large: 0.2 } as const;
export type Size = keyof typeof SIZES;
export const SIZE_NAMES = Object.keys(SIZES) as Size[];

export const POSITIONS = ["left", "right", "top", "bottom", "center"] as const;
export type Position = (typeof POSITIONS)[number];

/** (colour, shape) pairs that no training scene, caption, sentence or question ever holds. */
export const HELDOUT_COMBOS: readonly { readonly color: Color; readonly shape: Shape }[] = [
  { color: "purple", shape: "star" },
  { color: "yellow", shape: "cross" },
  { color: "orange", shape: "triangle" },
];

export function isHeldoutCombo(color: Color, shape: Shape): boolean {
  return HELDOUT_COMBOS.some((c) => c.color === color && c.shape === shape);
}

export type Split = "train" | "heldout";

export interface SceneObject {
  readonly shape: Shape;
  readonly color: Color;
  readonly size: Size;
  readonly position: Position;
  /** Centre (area centroid) in pixels; pixel (x, y) is the square [x, x+1] × [y, y+1]. */
  readonly x: number;
  readonly y: number;
}

export interface Scene {
  readonly width: number;
  readonly height: number;
  readonly background: Background;
  readonly objects: readonly SceneObject[];
}

/**
 * What a prompt or caption states about a scene (match.ts checks a detection against it): per
 * group the shape, colour and count, and only when stated its size and the positions of its
 * objects (a multiset); the background only when stated.
 */
export interface SpecGroup {
  readonly shape: Shape;
  readonly color: Color;
  readonly count: number;
  readonly size?: Size;
  readonly positions?: readonly Position[];
}

export interface SceneSpec {
  readonly background?: Background;
  readonly groups: readonly SpecGroup[];
}

export interface Group {
  readonly shape: Shape;
  readonly color: Color;
  readonly size: Size;
  readonly count: number;
  readonly objects: readonly SceneObject[];
}

export const DEFAULT_RESOLUTION = 32;
/** Distance kept between a shape's box and the image border, px. */
export const MARGIN = 1;
/** Distance kept between two shapes (their boxes or their bounding circles), px. */
export const GAP = 2;
/** positionOf: a centre within this many half-widths of the image centre (both axes) is "center". */
export const CENTER_RADIUS = 0.22;

const LAYOUTS: readonly (readonly [readonly number[], number])[] = [
  [[1], 0.3], [[2], 0.12], [[3], 0.1], [[1, 1], 0.22], [[2, 1], 0.1], [[1, 1, 1], 0.16],
];

/** Size radius in pixels for an image `width` px wide. */
export function radiusOf(size: Size, width: number): number {
  return SIZES[size] * width;
}

/** The position word of a centre: the rule the generator places by and the detector reads with. */
export function positionOf(x: number, y: number, width: number, height: number): Position {
  const u = (x - width / 2) / (width / 2), v = (y - height / 2) / (height / 2);
  if (Math.max(Math.abs(u), Math.abs(v)) < CENTER_RADIUS) return "center";
  if (Math.abs(u) >= Math.abs(v)) return u < 0 ? "left" : "right";
  return v < 0 ? "top" : "bottom";
}

/** The groups of a scene (objects of one kind), in order of first appearance. */
export function groupsOf(scene: Scene): Group[] {
  const groups: Group[] = [];
  for (const o of scene.objects) {
    const g = groups.find((x) => x.shape === o.shape);
    if (g) (g.objects as SceneObject[]).push(o);
    else groups.push({ shape: o.shape, color: o.color, size: o.size, count: 0, objects: [o] });
  }
  return groups.map((g) => ({ ...g, count: g.objects.length }));
}

/** Everything a scene shows, as a spec: every group's size, every object's position, the background. */
export function specOfScene(scene: Scene): SceneSpec {
  return {
    background: scene.background,
    groups: groupsOf(scene).map((g) => ({ shape: g.shape, color: g.color, count: g.count, size: g.size, positions: g.objects.map((o) => o.position) })),
  };
}

/** Whether the scene holds a held-out (colour, shape) pair. */
export function hasHeldoutCombo(scene: Scene): boolean {
  return scene.objects.some((o) => isHeldoutCombo(o.color, o.shape));
}

const q16 = (x: number) => Math.round(x * 16) / 16;

/** A centre inside the region of `slot`, or undefined. */
function sampleCentre(rng: Rng, slot: Position, W: number, H: number): [number, number] {
  let u: number, v: number;
  if (slot === "center") {
    u = rng.range(-0.1, 0.1);
    v = rng.range(-0.1, 0.1);
  } else {
    const major = rng.range(0.32, 0.9), minor = rng.range(-0.7, 0.7) * major;
    [u, v] = slot === "left" ? [-major, minor] : slot === "right" ? [major, minor] : slot === "top" ? [minor, -major] : [minor, major];
  }
  return [q16(W / 2 + (u * W) / 2), q16(H / 2 + (v * H) / 2)];
}

interface Placed {
  readonly shape: Shape;
  readonly r: number;
  readonly x: number;
  readonly y: number;
}

function box(p: Placed): [number, number, number, number] {
  const e = unitExtent(p.shape);
  return [p.x + e.left * p.r, p.y + e.top * p.r, p.x + e.right * p.r, p.y + e.bottom * p.r];
}

function fitsInside(p: Placed, W: number, H: number): boolean {
  const [x0, y0, x1, y1] = box(p);
  return x0 >= MARGIN && y0 >= MARGIN && x1 <= W - MARGIN && y1 <= H - MARGIN;
}

function apart(a: Placed, b: Placed): boolean {
  const [ax0, ay0, ax1, ay1] = box(a), [bx0, by0, bx1, by1] = box(b);
  if (bx0 - ax1 >= GAP || ax0 - bx1 >= GAP || by0 - ay1 >= GAP || ay0 - by1 >= GAP) return true;
  return Math.hypot(a.x - b.x, a.y - b.y) >= unitExtent(a.shape).radius * a.r + unitExtent(b.shape).radius * b.r + GAP;
}

interface GroupPlan {
  shape: Shape;
  color: Color;
  size: Size;
  count: number;
}

/** Positions for the planned groups, or undefined when `tries` attempts found none. */
function place(rng: Rng, plan: readonly GroupPlan[], W: number, H: number, tries: number): SceneObject[] | undefined {
  const total = plan.reduce((s, g) => s + g.count, 0);
  for (let t = 0; t < tries; t++) {
    const slots = rng.shuffle(POSITIONS).slice(0, total);
    const placed: (Placed & SceneObject)[] = [];
    let k = 0, ok = true;
    for (const g of plan) {
      for (let i = 0; i < g.count && ok; i++) {
        const position = slots[k++]!;
        const [x, y] = sampleCentre(rng, position, W, H);
        const p = { shape: g.shape, color: g.color, size: g.size, position, x, y, r: radiusOf(g.size, W) };
        ok = fitsInside(p, W, H) && placed.every((q) => apart(p, q)) && positionOf(x, y, W, H) === position;
        placed.push(p);
      }
    }
    if (ok) return placed.map(({ shape, color, size, position, x, y }) => ({ shape, color, size, position, x, y }));
  }
  return undefined;
}

/**
 * Scene `index` of a split for a seed: a pure function of (seed, split, index, resolution).
 * Sizes are drawn per group; when no placement fits after 400 tries, the largest group is made
 * small and placement tried again (so crowded scenes hold small shapes more often).
 */
export function sampleScene(seed: number, index: number, split: Split = "train", resolution = DEFAULT_RESOLUTION): Scene {
  const rng = new Rng(seed, split === "train" ? PURPOSE.trainScene : PURPOSE.heldoutScene, index);
  const W = resolution, H = resolution;
  const background = rng.pick(BACKGROUND_NAMES);
  const layout = rng.weighted(LAYOUTS);
  const forced = split === "heldout" && index % 2 === 0 ? rng.pick(HELDOUT_COMBOS) : undefined;
  const kinds = rng.shuffle(SHAPES.filter((s) => s !== forced?.shape));
  if (forced) kinds.unshift(forced.shape);
  const plan: GroupPlan[] = layout.map((count, g) => {
    const shape = kinds[g]!;
    const colors = split === "train" ? COLOR_NAMES.filter((c) => !isHeldoutCombo(c, shape)) : COLOR_NAMES;
    const color = g === 0 && forced ? forced.color : rng.pick(colors);
    return { shape, color, size: rng.pick(SIZE_NAMES), count };
  });
  for (;;) {
    const objects = place(rng, plan, W, H, 400);
    if (objects) return { width: W, height: H, background, objects };
    const big = plan.filter((g) => g.size !== "small").sort((a, b) => SIZES[b.size] - SIZES[a.size])[0];
    if (!big) throw new Error(`shapes: no placement found for scene ${index} (${JSON.stringify(plan)}) at ${W}×${H}`);
    big.size = "small";
  }
}
