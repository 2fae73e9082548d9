// The Kernel IR: one GPU compute kernel, independent of the target language.
//
// A kernel is storage bindings (typed 1-D arrays), scalar parameters, a workgroup size,
// workgroup-memory arrays and a body of structured statements over typed expressions. Kernel
// builders (compiler/kernels/builders/*) write it once; the WGSL and CUDA printers turn it into
// source text mechanically. Everything here is plain immutable data; build-kernel.ts is the
// checked way to make it.
//
// Semantics the printers must keep (WGSL names; CUDA equivalents in parentheses):
// - integer arithmetic wraps; `div`/`rem` on integers truncate toward zero;
// - `round` rounds half to even (rintf), `inverseSqrt` is 1/sqrt (rsqrtf), `erf` is erf (erff);
// - float → int casts saturate in WGSL and are undefined out of range in CUDA: builders keep them in range;
// - non-finite values are not portable (WGSL may assume they never occur), so constants are finite;
// - the uniform parameters form one struct laid out by `uniformLayout` (4 bytes per field).

export type ScalarType = "bool" | "i32" | "u32" | "f32" | "f16";
export type Lanes = 2 | 3 | 4;
export type VectorType = `vec${Lanes}<${ScalarType}>`;
export type Type = ScalarType | VectorType;

/** What storage bindings and workgroup arrays hold (per lane). */
export type ElemType = "f32" | "f16" | "i32" | "u32";
/** Scalar parameter types; all four bytes wide so the uniform struct packs without padding. */
export type ParamType = "u32" | "i32" | "f32";
export type Access = "read" | "read_write";
export type Axis = 0 | 1 | 2;

export const SCALAR_TYPES: readonly ScalarType[] = ["bool", "i32", "u32", "f32", "f16"];

// ---------------------------------------------------------------------------------------------
// Types

export function isVector(t: Type): t is VectorType {
  return t.startsWith("vec");
}
export function scalarOf(t: Type): ScalarType {
  return isVector(t) ? (t.slice(5, -1) as ScalarType) : t;
}
export function lanesOf(t: Type): 1 | Lanes {
  return isVector(t) ? (Number(t[3]) as Lanes) : 1;
}
export function vectorOf(s: ScalarType, lanes: 1 | Lanes): Type {
  return lanes === 1 ? s : `vec${lanes}<${s}>`;
}
export function isFloat(t: Type): boolean {
  const s = scalarOf(t);
  return s === "f32" || s === "f16";
}
export function isInteger(t: Type): boolean {
  const s = scalarOf(t);
  return s === "i32" || s === "u32";
}
/** Bytes of one value in memory (storage/workgroup arrays hold no bool and no 3-lane vectors). */
export function byteSize(t: Type): number {
  const s = scalarOf(t);
  if (s === "bool") throw new Error("bool has no memory layout; store it as u32");
  return (s === "f16" ? 2 : 4) * lanesOf(t);
}

// ---------------------------------------------------------------------------------------------
// Expressions (every one carries its type)

/** Builtins indexed by axis. The `logical_*` ones see through grid folding (see foldGrid). */
export type AxisBuiltin =
  | "global_invocation_id" | "local_invocation_id" | "workgroup_id" | "num_workgroups"
  | "logical_workgroup_id" | "logical_num_workgroups";
/** Builtins without an axis (their `axis` field is 0). */
export type ScalarBuiltin = "local_invocation_index" | "subgroup_size" | "subgroup_invocation_id";
export type BuiltinName = AxisBuiltin | ScalarBuiltin;

export type UnaryOp = "neg" | "not" | "bitnot";
export type ArithOp = "add" | "sub" | "mul" | "div" | "rem";
export type CompareOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge";
export type LogicOp = "and" | "or";
export type BitOp = "bitand" | "bitor" | "bitxor" | "shl" | "shr";
export type BinaryOp = ArithOp | CompareOp | LogicOp | BitOp;

/** Functions on values; `erf` is not a WGSL builtin (the WGSL printer emits a helper). */
export type MathFn =
  | "exp" | "exp2" | "log" | "log2" | "sqrt" | "inverseSqrt" | "tanh" | "sin" | "cos" | "pow"
  | "abs" | "floor" | "ceil" | "round" | "trunc" | "erf"
  | "min" | "max" | "clamp" | "fma";

/** Subgroup (warp) operations; need the `subgroups` feature. */
export type SubgroupOp = "add" | "min" | "max" | "shuffle" | "shuffleXor" | "broadcast" | "broadcastFirst";

/** Where an array lives: a storage binding, workgroup memory, or a per-invocation local array. */
export type Space = "storage" | "workgroup" | "local";
export interface ArrayRef {
  readonly space: Space;
  readonly name: string;
  /** Element type of the array (a vector for vec-typed views). */
  readonly type: Type;
}

export type Expr =
  | { readonly kind: "const"; readonly type: ScalarType; readonly value: number | boolean }
  /** A let, var or loop variable. */
  | { readonly kind: "local"; readonly type: Type; readonly name: string }
  | { readonly kind: "param"; readonly type: ParamType; readonly name: string }
  | { readonly kind: "builtin"; readonly type: "u32"; readonly name: BuiltinName; readonly axis: Axis }
  | { readonly kind: "load"; readonly type: Type; readonly array: ArrayRef; readonly index: Expr }
  | { readonly kind: "unary"; readonly type: Type; readonly op: UnaryOp; readonly arg: Expr }
  | { readonly kind: "binary"; readonly type: Type; readonly op: BinaryOp; readonly lhs: Expr; readonly rhs: Expr }
  | { readonly kind: "call"; readonly type: Type; readonly fn: MathFn; readonly args: readonly Expr[] }
  | { readonly kind: "select"; readonly type: Type; readonly cond: Expr; readonly ifTrue: Expr; readonly ifFalse: Expr }
  | { readonly kind: "cast"; readonly type: Type; readonly arg: Expr }
  | { readonly kind: "bitcast"; readonly type: Type; readonly arg: Expr }
  | { readonly kind: "vector"; readonly type: VectorType; readonly parts: readonly Expr[] }
  | { readonly kind: "lane"; readonly type: ScalarType; readonly vec: Expr; readonly lane: Axis | 3 }
  /** `lane` is the source invocation (shuffle, broadcast) or the xor mask (shuffleXor). */
  | { readonly kind: "subgroup"; readonly type: Type; readonly op: SubgroupOp; readonly arg: Expr; readonly lane: Expr | null };

// ---------------------------------------------------------------------------------------------
// Statements

export type Stmt =
  | { readonly kind: "let"; readonly name: string; readonly type: Type; readonly value: Expr }
  /** A mutable local; a null init means zero. */
  | { readonly kind: "var"; readonly name: string; readonly type: Type; readonly init: Expr | null }
  /** A per-invocation array, zero-initialized. */
  | { readonly kind: "array"; readonly name: string; readonly type: Type; readonly length: number }
  | { readonly kind: "assign"; readonly name: string; readonly value: Expr }
  | { readonly kind: "store"; readonly array: ArrayRef; readonly index: Expr; readonly value: Expr }
  | { readonly kind: "if"; readonly cond: Expr; readonly then: readonly Stmt[]; readonly else: readonly Stmt[] }
  /** for (name = start; name < end; name += step), step a positive constant or uniform. */
  | { readonly kind: "for"; readonly name: string; readonly type: "u32" | "i32"; readonly start: Expr; readonly end: Expr; readonly step: Expr; readonly body: readonly Stmt[] }
  | { readonly kind: "while"; readonly cond: Expr; readonly body: readonly Stmt[] }
  | { readonly kind: "break" }
  | { readonly kind: "continue" }
  | { readonly kind: "return" }
  /** workgroupBarrier (`workgroup`: workgroup memory) or storageBarrier (`storage`: storage buffers). */
  | { readonly kind: "barrier"; readonly scope: "workgroup" | "storage" }
  | { readonly kind: "comment"; readonly text: string };

// ---------------------------------------------------------------------------------------------
// The kernel

export interface Binding {
  readonly name: string;
  /** Element type as seen by the kernel: a scalar, or vec2/vec4 of it for vectorized views. */
  readonly type: Type;
  readonly access: Access;
}
export interface Param {
  readonly name: string;
  readonly type: ParamType;
}
export interface SharedArray {
  readonly name: string;
  readonly type: Type;
  readonly length: number;
}

export interface Kernel {
  readonly name: string;
  /** What the kernel computes and the shapes it assumes; printed at the top of the source. */
  readonly doc: string;
  readonly workgroupSize: readonly [number, number, number];
  /** Storage bindings, numbered in this order by the printers. */
  readonly bindings: readonly Binding[];
  /** Scalar parameters, packed in this order into one uniform struct. */
  readonly params: readonly Param[];
  readonly shared: readonly SharedArray[];
  readonly body: readonly Stmt[];
  /**
   * The kernel calls subgroup operations under branches that are uniform per subgroup but not
   * per workgroup (each subgroup its own work, on a device whose subgroups have a known exact
   * size): WGSL's uniformity analysis cannot see that, so its subgroup_uniformity check is off.
   */
  readonly subgroupBranches?: boolean;
}

/**
 * Identifiers the printers use for themselves; kernels may not use them as names.
 * (`gid`..`sg_lane` are the builtin values, `Params`/`params` the uniform, `wg_linear` the folded id.)
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "main", "Params", "params", "gid", "lid", "wid", "nwg", "lidx", "sg_size", "sg_lane", "wg_linear",
  "erf_f32", "grid_x", "grid_fold_x",
]);

// ---------------------------------------------------------------------------------------------
// Walking

export function forEachExprInExpr(e: Expr, f: (e: Expr) => void): void {
  f(e);
  switch (e.kind) {
    case "load": forEachExprInExpr(e.index, f); break;
    case "unary": case "cast": case "bitcast": forEachExprInExpr(e.arg, f); break;
    case "binary": forEachExprInExpr(e.lhs, f); forEachExprInExpr(e.rhs, f); break;
    case "call": for (const a of e.args) forEachExprInExpr(a, f); break;
    case "select": forEachExprInExpr(e.cond, f); forEachExprInExpr(e.ifTrue, f); forEachExprInExpr(e.ifFalse, f); break;
    case "vector": for (const p of e.parts) forEachExprInExpr(p, f); break;
    case "lane": forEachExprInExpr(e.vec, f); break;
    case "subgroup": forEachExprInExpr(e.arg, f); if (e.lane) forEachExprInExpr(e.lane, f); break;
    default: break;
  }
}

export function forEachStmt(stmts: readonly Stmt[], f: (s: Stmt) => void): void {
  for (const s of stmts) {
    f(s);
    if (s.kind === "if") { forEachStmt(s.then, f); forEachStmt(s.else, f); }
    else if (s.kind === "for" || s.kind === "while") forEachStmt(s.body, f);
  }
}

/** Every expression in the kernel body, nested ones included. */
export function forEachExpr(k: Kernel, f: (e: Expr) => void): void {
  forEachStmt(k.body, (s) => {
    const roots: Expr[] = [];
    switch (s.kind) {
      case "let": roots.push(s.value); break;
      case "var": if (s.init) roots.push(s.init); break;
      case "assign": roots.push(s.value); break;
      case "store": roots.push(s.index, s.value); break;
      case "if": case "while": roots.push(s.cond); break;
      case "for": roots.push(s.start, s.end, s.step); break;
      default: break;
    }
    for (const r of roots) forEachExprInExpr(r, f);
  });
}

// ---------------------------------------------------------------------------------------------
// What a kernel needs from a device

export interface KernelFeatures {
  /** Uses f16 anywhere (needs the device feature `shader-f16`). */
  readonly f16: boolean;
  /** Uses subgroup operations or builtins (needs the device feature `subgroups`). */
  readonly subgroups: boolean;
  /** Uses logical workgroup ids, so its launches may be folded (see foldGrid). */
  readonly logicalGrid: boolean;
  /** Uses erf (the WGSL printer adds a helper function). */
  readonly erf: boolean;
}

export function kernelFeatures(k: Kernel): KernelFeatures {
  let f16 = false, subgroups = false, logicalGrid = false, erf = false;
  const see = (t: Type) => { if (scalarOf(t) === "f16") f16 = true; };
  k.bindings.forEach((b) => see(b.type));
  k.shared.forEach((a) => see(a.type));
  forEachStmt(k.body, (s) => { if (s.kind === "let" || s.kind === "var" || s.kind === "array") see(s.type); });
  forEachExpr(k, (e) => {
    see(e.type);
    if (e.kind === "subgroup") subgroups = true;
    if (e.kind === "builtin") {
      if (e.name === "subgroup_size" || e.name === "subgroup_invocation_id") subgroups = true;
      if (e.name === "logical_workgroup_id" || e.name === "logical_num_workgroups") logicalGrid = true;
    }
    if (e.kind === "call" && e.fn === "erf") erf = true;
  });
  return { f16, subgroups, logicalGrid, erf };
}

/** Bytes of workgroup memory the kernel declares. */
export function workgroupBytes(k: Kernel): number {
  return k.shared.reduce((n, a) => n + byteSize(a.type) * a.length, 0);
}

// ---------------------------------------------------------------------------------------------
// The uniform struct

export interface UniformField {
  readonly name: string;
  readonly type: ParamType;
  /** Byte offset in the struct. */
  readonly offset: number;
}
export interface UniformLayout {
  readonly fields: readonly UniformField[];
  /** Struct size in bytes, a multiple of 16. */
  readonly size: number;
}

/** Grid fields the printers append when a kernel uses logical workgroup ids (see foldGrid). */
export const GRID_FIELDS: readonly Param[] = [
  { name: "grid_x", type: "u32" },      // logical workgroup count along x
  { name: "grid_fold_x", type: "u32" }, // dispatched workgroups along x (the folded extent)
];

/** The kernel's parameters, then the grid fields when needed; null when there are none. */
export function uniformLayout(k: Kernel): UniformLayout | null {
  const all = kernelFeatures(k).logicalGrid ? [...k.params, ...GRID_FIELDS] : k.params;
  if (all.length === 0) return null;
  const fields = all.map((p, i) => ({ name: p.name, type: p.type, offset: 4 * i }));
  return { fields, size: Math.ceil((4 * all.length) / 16) * 16 };
}

// ---------------------------------------------------------------------------------------------
// Launch grids and folding
//
// A kernel is launched on a logical grid of 1 or 2 dimensions (in workgroups). Targets cap each
// dispatched dimension (WebGPU: maxComputeWorkgroupsPerDimension, 65,535 by default), so a long
// x extent is folded: x workgroups are dispatched as (foldX, ceil(x / foldX)) and the logical y
// moves to z. Kernels that use `logical_workgroup_id` get back
//   logical x = workgroup_id.x + workgroup_id.y * grid_fold_x   (excess workgroups return at once)
//   logical y = workgroup_id.z
// from two uniform fields, so the same kernel text runs folded or not.

/** A grid: workgroup counts along x[, y[, z]]. Logical grids have at most two dimensions. */
export type Grid = readonly [number] | readonly [number, number] | readonly [number, number, number];

export interface Dispatch {
  /** Workgroup counts to dispatch. */
  readonly workgroups: readonly [number, number, number];
  /** Logical workgroups along x (the `grid_x` uniform). */
  readonly gridX: number;
  /** Dispatched workgroups along x (the `grid_fold_x` uniform). */
  readonly foldX: number;
}

export const DEFAULT_MAX_WORKGROUPS_PER_DIMENSION = 65535;

/**
 * The dispatch for a grid. `logical` says whether the kernel reconstructs logical ids (only then
 * can x be folded); otherwise every dimension must fit as it is.
 */
export function foldGrid(grid: Grid, logical: boolean, maxPerDim = DEFAULT_MAX_WORKGROUPS_PER_DIMENSION): Dispatch {
  for (const g of grid) {
    if (!Number.isInteger(g) || g < 0) throw new Error(`grid ${fmtGrid(grid)}: workgroup counts must be non-negative integers`);
  }
  const [x, y = 1, z = 1] = grid;
  if (!logical) {
    const big = [x, y, z].findIndex((g) => g > maxPerDim);
    if (big >= 0) {
      throw new Error(`grid ${fmtGrid(grid)} exceeds ${maxPerDim} workgroups along ${"xyz"[big]}; ` +
        "only kernels that use logical workgroup ids can be folded");
    }
    return { workgroups: [x, y, z], gridX: x, foldX: x };
  }
  if (grid.length > 2) throw new Error(`grid ${fmtGrid(grid)}: a logical grid has at most two dimensions`);
  if (y > maxPerDim) throw new Error(`grid ${fmtGrid(grid)}: logical y exceeds ${maxPerDim} workgroups and is not folded`);
  if (x === 0 || y === 0) return { workgroups: [0, 1, 1], gridX: 0, foldX: 0 };
  const rows = Math.ceil(x / maxPerDim);
  if (rows > maxPerDim) throw new Error(`grid ${fmtGrid(grid)}: ${x} workgroups along x cannot be folded into ${maxPerDim}²`);
  const foldX = Math.ceil(x / rows); // balanced, so at most rows - 1 excess workgroups
  return { workgroups: [foldX, rows, y], gridX: x, foldX };
}

function fmtGrid(g: Grid): string {
  return `[${g.join(", ")}]`;
}

// ---------------------------------------------------------------------------------------------
// The interface a device launches a kernel through

export interface KernelInterface {
  readonly name: string;
  /** Storage bindings in binding order. */
  readonly bindings: readonly { readonly name: string; readonly access: Access }[];
  /** The uniform struct, bound after the storage bindings; null when the kernel has none. */
  readonly uniform: UniformLayout | null;
  /** Whether launches may be folded (the kernel uses logical workgroup ids). */
  readonly logicalGrid: boolean;
}

export function kernelInterface(k: Kernel): KernelInterface {
  return {
    name: k.name,
    bindings: k.bindings.map((b) => ({ name: b.name, access: b.access })),
    uniform: uniformLayout(k),
    logicalGrid: kernelFeatures(k).logicalGrid,
  };
}
