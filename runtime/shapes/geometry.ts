// The outlines of the five shape kinds, relative to the shape's centre (its area centroid, the
// point a scene places and the detector measures), at size radius r, in pixels, y down:
//
//   circle    radius r
//   square    axis-aligned, half-side 0.85 r
//   triangle  equilateral, one vertex up, circumradius 1.15 r
//   star      five points, one up, outer radius 1.15 r, inner radius half of that
//   cross     a plus sign: arms of half-length 0.95 r and half-width 0.32 r
//
// Nothing is rotated. Every kind but the circle is a polygon, tested by the crossing rule.

export const SHAPES = ["circle", "square", "triangle", "star", "cross"] as const;
export type Shape = (typeof SHAPES)[number];

type Poly = readonly (readonly [number, number])[];

function regular(n: number, radius: number, phase: number): [number, number][] {
  return Array.from({ length: n }, (_, i) => {
    const a = phase + (2 * Math.PI * i) / n;
    return [radius * Math.cos(a), radius * Math.sin(a)];
  });
}

const UP = -Math.PI / 2;
const STAR_INNER = 0.5;
const CROSS_L = 0.95, CROSS_W = 0.32;

/** The unit outlines (r = 1); the circle has none. */
const UNIT_POLYS: Record<Exclude<Shape, "circle">, Poly> = {
  square: [[-0.85, -0.85], [0.85, -0.85], [0.85, 0.85], [-0.85, 0.85]],
  triangle: regular(3, 1.15, UP),
  star: regular(10, 1, UP).map(([x, y], i) => {
    const k = i % 2 === 0 ? 1.15 : 1.15 * STAR_INNER;
    return [x * k, y * k] as [number, number];
  }),
  cross: [
    [-CROSS_W, -CROSS_L], [CROSS_W, -CROSS_L], [CROSS_W, -CROSS_W], [CROSS_L, -CROSS_W], [CROSS_L, CROSS_W], [CROSS_W, CROSS_W],
    [CROSS_W, CROSS_L], [-CROSS_W, CROSS_L], [-CROSS_W, CROSS_W], [-CROSS_L, CROSS_W], [-CROSS_L, -CROSS_W], [-CROSS_W, -CROSS_W],
  ],
};

function polyArea(p: Poly): number {
  let a = 0;
  for (let i = 0; i < p.length; i++) {
    const [x0, y0] = p[i]!, [x1, y1] = p[(i + 1) % p.length]!;
    a += x0 * y1 - x1 * y0;
  }
  return Math.abs(a) / 2;
}

/** Area of the outline at r = 1 (multiply by r²). */
export function unitArea(shape: Shape): number {
  return shape === "circle" ? Math.PI : polyArea(UNIT_POLYS[shape]);
}

/** Bounds of the outline at r = 1: offsets of its box from the centre, and its bounding radius. */
export interface Extent {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly radius: number;
}

const EXTENTS = Object.fromEntries(
  SHAPES.map((s): [Shape, Extent] => {
    if (s === "circle") return [s, { left: -1, right: 1, top: -1, bottom: 1, radius: 1 }];
    const p = UNIT_POLYS[s];
    return [s, {
      left: Math.min(...p.map((v) => v[0])), right: Math.max(...p.map((v) => v[0])),
      top: Math.min(...p.map((v) => v[1])), bottom: Math.max(...p.map((v) => v[1])),
      radius: Math.max(...p.map(([x, y]) => Math.hypot(x, y))),
    }];
  }),
) as Record<Shape, Extent>;

export function unitExtent(shape: Shape): Extent {
  return EXTENTS[shape];
}

/** Whether the point (dx, dy) from the centre lies inside the outline at size radius r. */
export function inside(shape: Shape, dx: number, dy: number, r: number): boolean {
  const x = dx / r, y = dy / r;
  if (shape === "circle") return x * x + y * y <= 1;
  if (shape === "square") return Math.abs(x) <= 0.85 && Math.abs(y) <= 0.85;
  if (shape === "cross") {
    const ax = Math.abs(x), ay = Math.abs(y);
    return (ax <= CROSS_W && ay <= CROSS_L) || (ay <= CROSS_W && ax <= CROSS_L);
  }
  const p = UNIT_POLYS[shape];
  let odd = false;
  for (let i = 0, j = p.length - 1; i < p.length; j = i++) {
    const [xi, yi] = p[i]!, [xj, yj] = p[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
  }
  return odd;
}
