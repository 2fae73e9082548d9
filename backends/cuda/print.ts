// Kernel IR → CUDA C++ source text.
//
// Thin and mechanical like the WGSL printer (backends/wgsl/print.ts), and deterministic: the same
// kernel prints the same text. Statements and operators are printed by the C-like printer shared
// with WGSL (backends/c-like/print.ts); this file holds CUDA's dialect of it. Each kernel becomes
//
//   struct <name>_Params { ...fields of uniformLayout(kernel), in order... };
//   extern "C" __global__ void __launch_bounds__(<invocations>) <name>(<bindings...>, const <name>_Params params)
//
// Launch ABI (what a launcher passes): the storage bindings in binding order, each a device
// pointer (`const T* __restrict__` when read-only, `T* __restrict__` when written; vec2/vec4 views are
// sk::vec<T, 2|4>, aligned to their size), then — only when uniformLayout(kernel) is non-null —
// the params struct by value: 4-byte fields at the layout's offsets, sizeof = 4 × fields (the
// layout's size, rounded up to 16, may be passed; only the leading 4 × fields bytes are read). The
// block is workgroupSize, the grid foldGrid(launch grid).workgroups, exactly as on WebGPU: kernels
// that use logical workgroup ids read grid_x / grid_fold_x from the struct and return at once in
// excess blocks, so one launch plan serves both targets.
//
// Names: IR identifiers print as they are; the printer's own helpers live in namespace `sk` (the
// prelude), so they cannot collide with them. IR names that are C++ words are rejected.
//
// A translation unit is CUDA_PRELUDE followed by kernels: printCuda(kernel) for one kernel,
// cudaModule(kernels) for many (deduplicated, each function suffixed by its index so names are
// unique in the unit) — a whole model is one unit, compiled by one nvcc call per architecture.
//
// Where the hardware truly differs from WGSL, see docs/architecture.md, "Target differences".

import type { Expr, Kernel, ScalarType, Type } from "../../compiler/kernels/kernel-ir.ts";
import { forEachStmt, isVector, kernelFeatures, lanesOf, scalarOf, uniformLayout } from "../../compiler/kernels/kernel-ir.ts";
import type { TargetCaps } from "../../compiler/kernels/target.ts";
import type { Dialect, ExprOf } from "../c-like/print.ts";
import { CLikePrinter, floatText } from "../c-like/print.ts";

/**
 * Limits for lowering without a device (`showo compile --target cuda`, the nvcc tests): an
 * sm_80/sm_90-class GPU. Bindings are device pointers with no size limit of their own; the 2 GiB
 * cap keeps every element index of a binding within i32 range. 48 KiB is the static shared memory
 * a block may declare. Grids allow 2^31 − 1 blocks along x but 65,535 along y and z; the
 * per-dimension cap is the latter (a long x is still folded, which kernels undo as on WebGPU).
 */
export const DEFAULT_CUDA_CAPS: TargetCaps = Object.freeze({
  target: "cuda",
  maxBindingBytes: 2 ** 31,
  maxStorageBindings: 64,
  maxWorkgroupStorageBytes: 48 * 1024,
  maxInvocationsPerWorkgroup: 1024,
  maxWorkgroupsPerDimension: 65535,
  f16: true,
  subgroups: true,
  minSubgroupSize: 32,
});

// ---------------------------------------------------------------------------------------------
// The prelude
//
// Types and helpers that give CUDA C++ the Kernel IR's semantics (WGSL's; see the header of
// compiler/kernels/kernel-ir.ts). Everything lives in namespace `sk`:
// - sk::vec<T, N>: vec2/vec3/vec4 of f32, f16, i32, u32 and bool with lanes .x .y .z .w. 2- and
//   4-lane vectors are aligned to their size, so a vec4<f32> storage load is one 16-byte access.
//   Arithmetic, bitwise and math apply per lane, with a scalar on either side broadcast.
// - i32 add/sub/mul/neg/shl wrap (C++ signed overflow is undefined; the IR's wraps).
// - Integer x / 0 = x and x % 0 = 0, and INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0 (WGSL; CUDA is
//   undefined there). Shift amounts are taken modulo 32 (WGSL uses the low 5 bits).
// - float → int casts saturate (WGSL: to the nearest value in range that f32 can represent, so
//   i32 tops out at 2147483520 and u32 at 4294967040); NaN converts to 0.
// - f16 is cuda_fp16.h's __half; its math goes through f32 (each result rounded once to f16).
// - Warp (subgroup) operations over the lanes of the invocation's warp that exist: a workgroup
//   whose size is not a multiple of 32 has a partial last warp (see lane_mask).

export const CUDA_PRELUDE = String.raw`#include <cuda_fp16.h>

namespace sk {

#define SK_DEV __device__ __forceinline__

// ---- vectors

template <typename T, int N> struct vec;
template <typename T> struct alignas(2 * sizeof(T)) vec<T, 2> { T x, y; };
template <typename T> struct vec<T, 3> { T x, y, z; };
template <typename T> struct alignas(4 * sizeof(T)) vec<T, 4> { T x, y, z, w; };

using f32x2 = vec<float, 2>; using f32x3 = vec<float, 3>; using f32x4 = vec<float, 4>;
using f16x2 = vec<__half, 2>; using f16x3 = vec<__half, 3>; using f16x4 = vec<__half, 4>;
using i32x2 = vec<int, 2>; using i32x3 = vec<int, 3>; using i32x4 = vec<int, 4>;
using u32x2 = vec<unsigned, 2>; using u32x3 = vec<unsigned, 3>; using u32x4 = vec<unsigned, 4>;
using boolx2 = vec<bool, 2>; using boolx3 = vec<bool, 3>; using boolx4 = vec<bool, 4>;

template <int N, typename T> SK_DEV vec<T, N> splat(T a) {
  if constexpr (N == 2) return {a, a};
  else if constexpr (N == 3) return {a, a, a};
  else return {a, a, a, a};
}

// Lane-wise application of f to one, two or three vectors of N lanes.
template <typename F, typename T> SK_DEV auto map(F f, vec<T, 2> a) -> vec<decltype(f(a.x)), 2> { return {f(a.x), f(a.y)}; }
template <typename F, typename T> SK_DEV auto map(F f, vec<T, 3> a) -> vec<decltype(f(a.x)), 3> { return {f(a.x), f(a.y), f(a.z)}; }
template <typename F, typename T> SK_DEV auto map(F f, vec<T, 4> a) -> vec<decltype(f(a.x)), 4> { return {f(a.x), f(a.y), f(a.z), f(a.w)}; }
template <typename F, typename T, typename U> SK_DEV auto map(F f, vec<T, 2> a, vec<U, 2> b) -> vec<decltype(f(a.x, b.x)), 2> {
  return {f(a.x, b.x), f(a.y, b.y)};
}
template <typename F, typename T, typename U> SK_DEV auto map(F f, vec<T, 3> a, vec<U, 3> b) -> vec<decltype(f(a.x, b.x)), 3> {
  return {f(a.x, b.x), f(a.y, b.y), f(a.z, b.z)};
}
template <typename F, typename T, typename U> SK_DEV auto map(F f, vec<T, 4> a, vec<U, 4> b) -> vec<decltype(f(a.x, b.x)), 4> {
  return {f(a.x, b.x), f(a.y, b.y), f(a.z, b.z), f(a.w, b.w)};
}
template <typename F, typename T> SK_DEV auto map(F f, vec<T, 2> a, vec<T, 2> b, vec<T, 2> c) -> vec<T, 2> {
  return {f(a.x, b.x, c.x), f(a.y, b.y, c.y)};
}
template <typename F, typename T> SK_DEV auto map(F f, vec<T, 3> a, vec<T, 3> b, vec<T, 3> c) -> vec<T, 3> {
  return {f(a.x, b.x, c.x), f(a.y, b.y, c.y), f(a.z, b.z, c.z)};
}
template <typename F, typename T> SK_DEV auto map(F f, vec<T, 4> a, vec<T, 4> b, vec<T, 4> c) -> vec<T, 4> {
  return {f(a.x, b.x, c.x), f(a.y, b.y, c.y), f(a.z, b.z, c.z), f(a.w, b.w, c.w)};
}

// ---- scalar arithmetic with the IR's integer semantics

SK_DEV float add(float a, float b) { return a + b; }
SK_DEV __half add(__half a, __half b) { return a + b; }
SK_DEV unsigned add(unsigned a, unsigned b) { return a + b; }
SK_DEV int add(int a, int b) { return (int)((unsigned)a + (unsigned)b); }
SK_DEV float sub(float a, float b) { return a - b; }
SK_DEV __half sub(__half a, __half b) { return a - b; }
SK_DEV unsigned sub(unsigned a, unsigned b) { return a - b; }
SK_DEV int sub(int a, int b) { return (int)((unsigned)a - (unsigned)b); }
SK_DEV float mul(float a, float b) { return a * b; }
SK_DEV __half mul(__half a, __half b) { return a * b; }
SK_DEV unsigned mul(unsigned a, unsigned b) { return a * b; }
SK_DEV int mul(int a, int b) { return (int)((unsigned)a * (unsigned)b); }
SK_DEV float div(float a, float b) { return a / b; }
SK_DEV __half div(__half a, __half b) { return a / b; }
SK_DEV unsigned div(unsigned a, unsigned b) { return b == 0u ? a : a / b; }
SK_DEV int div(int a, int b) { return (b == 0 || (b == -1 && a == (-2147483647 - 1))) ? a : a / b; }
SK_DEV float rem(float a, float b) { return fmodf(a, b); }
SK_DEV __half rem(__half a, __half b) { return __float2half_rn(fmodf(__half2float(a), __half2float(b))); }
SK_DEV unsigned rem(unsigned a, unsigned b) { return b == 0u ? 0u : a % b; }
SK_DEV int rem(int a, int b) { return (b == 0 || b == -1) ? 0 : a % b; }
SK_DEV float neg(float a) { return -a; }
SK_DEV __half neg(__half a) { return -a; }
SK_DEV int neg(int a) { return (int)(0u - (unsigned)a); }
SK_DEV unsigned shl(unsigned a, unsigned s) { return a << (s & 31u); }
SK_DEV int shl(int a, unsigned s) { return (int)((unsigned)a << (s & 31u)); }
SK_DEV unsigned shr(unsigned a, unsigned s) { return a >> (s & 31u); }
SK_DEV int shr(int a, unsigned s) { return a >> (s & 31u); }

// Vector operators: lane-wise, a scalar on either side is broadcast.
#define SK_VEC_BINARY(OP, FN)                                                                                 \
  template <typename T, int N> SK_DEV vec<T, N> operator OP(vec<T, N> a, vec<T, N> b) {                       \
    return map([](T p, T q) { return FN(p, q); }, a, b);                                                      \
  }                                                                                                           \
  template <typename T, int N> SK_DEV vec<T, N> operator OP(vec<T, N> a, T b) {                               \
    return map([b](T p) { return FN(p, b); }, a);                                                             \
  }                                                                                                           \
  template <typename T, int N> SK_DEV vec<T, N> operator OP(T a, vec<T, N> b) {                               \
    return map([a](T q) { return FN(a, q); }, b);                                                             \
  }
#define SK_BITWISE(OP) [](auto p, auto q) { return p OP q; }
SK_VEC_BINARY(+, add)
SK_VEC_BINARY(-, sub)
SK_VEC_BINARY(*, mul)
SK_VEC_BINARY(/, div)
SK_VEC_BINARY(%, rem)
SK_VEC_BINARY(&, SK_BITWISE(&))
SK_VEC_BINARY(|, SK_BITWISE(|))
SK_VEC_BINARY(^, SK_BITWISE(^))
#undef SK_VEC_BINARY
#undef SK_BITWISE
template <typename T, int N> SK_DEV vec<T, N> operator<<(vec<T, N> a, vec<unsigned, N> s) { return map([](T p, unsigned q) { return shl(p, q); }, a, s); }
template <typename T, int N> SK_DEV vec<T, N> operator>>(vec<T, N> a, vec<unsigned, N> s) { return map([](T p, unsigned q) { return shr(p, q); }, a, s); }
template <typename T, int N> SK_DEV vec<T, N> operator-(vec<T, N> a) { return map([](T p) { return neg(p); }, a); }
template <typename T, int N> SK_DEV vec<T, N> operator~(vec<T, N> a) { return map([](T p) { return (T)~p; }, a); }
template <typename T, int N> SK_DEV vec<T, N> div(vec<T, N> a, vec<T, N> b) { return a / b; }
template <typename T, int N> SK_DEV vec<T, N> rem(vec<T, N> a, vec<T, N> b) { return a % b; }

// ---- math: f32 by CUDA's functions, f16 through f32, integers where defined, vectors per lane

#define SK_MATH1(NAME, F32)                                                                                   \
  SK_DEV float NAME(float a) { return F32(a); }                                                               \
  SK_DEV __half NAME(__half a) { return __float2half_rn(F32(__half2float(a))); }                              \
  template <typename T, int N> SK_DEV vec<T, N> NAME(vec<T, N> a) { return map([](T p) { return NAME(p); }, a); }
SK_MATH1(exp, expf)
SK_MATH1(exp2, exp2f)
SK_MATH1(log, logf)
SK_MATH1(log2, log2f)
SK_MATH1(sqrt, sqrtf)
SK_MATH1(rsqrt, rsqrtf)
SK_MATH1(tanh, tanhf)
SK_MATH1(sin, sinf)
SK_MATH1(cos, cosf)
SK_MATH1(floor, floorf)
SK_MATH1(ceil, ceilf)
SK_MATH1(round, rintf)
SK_MATH1(trunc, truncf)
SK_MATH1(erf, erff)
#undef SK_MATH1

SK_DEV float abs(float a) { return fabsf(a); }
SK_DEV __half abs(__half a) { return __habs(a); }
SK_DEV int abs(int a) { return a < 0 ? neg(a) : a; }
template <typename T, int N> SK_DEV vec<T, N> abs(vec<T, N> a) { return map([](T p) { return abs(p); }, a); }

SK_DEV float pow(float a, float b) { return powf(a, b); }
SK_DEV __half pow(__half a, __half b) { return __float2half_rn(powf(__half2float(a), __half2float(b))); }
SK_DEV float min(float a, float b) { return fminf(a, b); }
SK_DEV __half min(__half a, __half b) { return __float2half_rn(fminf(__half2float(a), __half2float(b))); }
SK_DEV int min(int a, int b) { return a < b ? a : b; }
SK_DEV unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
SK_DEV float max(float a, float b) { return fmaxf(a, b); }
SK_DEV __half max(__half a, __half b) { return __float2half_rn(fmaxf(__half2float(a), __half2float(b))); }
SK_DEV int max(int a, int b) { return a > b ? a : b; }
SK_DEV unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
template <typename T, int N> SK_DEV vec<T, N> pow(vec<T, N> a, vec<T, N> b) { return map([](T p, T q) { return pow(p, q); }, a, b); }
template <typename T, int N> SK_DEV vec<T, N> min(vec<T, N> a, vec<T, N> b) { return map([](T p, T q) { return min(p, q); }, a, b); }
template <typename T, int N> SK_DEV vec<T, N> max(vec<T, N> a, vec<T, N> b) { return map([](T p, T q) { return max(p, q); }, a, b); }

// clamp(x, lo, hi) = min(max(x, lo), hi), as WGSL defines it.
template <typename T> SK_DEV T clamp(T x, T lo, T hi) { return min(max(x, lo), hi); }
SK_DEV float fma(float a, float b, float c) { return fmaf(a, b, c); }
SK_DEV __half fma(__half a, __half b, __half c) { return __hfma(a, b, c); }
template <typename T, int N> SK_DEV vec<T, N> fma(vec<T, N> a, vec<T, N> b, vec<T, N> c) {
  return map([](T p, T q, T r) { return fma(p, q, r); }, a, b, c);
}

// ---- conversions (value casts; per lane for vectors)

// Saturating float → int, as WGSL: clamp to the largest f32 inside the range, truncate; NaN → 0.
SK_DEV int f32_to_i32(float a) { return a >= 2147483520.0f ? 2147483520 : __float2int_rz(a); }
SK_DEV unsigned f32_to_u32(float a) { return a >= 4294967040.0f ? 4294967040u : __float2uint_rz(a); }

SK_DEV float to_f32(float a) { return a; }
SK_DEV float to_f32(__half a) { return __half2float(a); }
SK_DEV float to_f32(int a) { return (float)a; }
SK_DEV float to_f32(unsigned a) { return (float)a; }
SK_DEV float to_f32(bool a) { return a ? 1.0f : 0.0f; }
SK_DEV __half to_f16(float a) { return __float2half_rn(a); }
SK_DEV __half to_f16(__half a) { return a; }
SK_DEV __half to_f16(int a) { return __int2half_rn(a); }
SK_DEV __half to_f16(unsigned a) { return __uint2half_rn(a); }
SK_DEV __half to_f16(bool a) { return __float2half_rn(a ? 1.0f : 0.0f); }
SK_DEV int to_i32(float a) { return f32_to_i32(a); }
SK_DEV int to_i32(__half a) { return f32_to_i32(__half2float(a)); }
SK_DEV int to_i32(int a) { return a; }
SK_DEV int to_i32(unsigned a) { return (int)a; }
SK_DEV int to_i32(bool a) { return a ? 1 : 0; }
SK_DEV unsigned to_u32(float a) { return f32_to_u32(a); }
SK_DEV unsigned to_u32(__half a) { return f32_to_u32(__half2float(a)); }
SK_DEV unsigned to_u32(int a) { return (unsigned)a; }
SK_DEV unsigned to_u32(unsigned a) { return a; }
SK_DEV unsigned to_u32(bool a) { return a ? 1u : 0u; }
SK_DEV bool to_bool(float a) { return a != 0.0f; }
SK_DEV bool to_bool(__half a) { return __half2float(a) != 0.0f; }
SK_DEV bool to_bool(int a) { return a != 0; }
SK_DEV bool to_bool(unsigned a) { return a != 0u; }
SK_DEV bool to_bool(bool a) { return a; }
#define SK_VEC_CONVERT(NAME)                                                                                  \
  template <typename T, int N> SK_DEV auto NAME(vec<T, N> a) { return map([](T p) { return NAME(p); }, a); }
SK_VEC_CONVERT(to_f32)
SK_VEC_CONVERT(to_f16)
SK_VEC_CONVERT(to_i32)
SK_VEC_CONVERT(to_u32)
SK_VEC_CONVERT(to_bool)
#undef SK_VEC_CONVERT

// Bit reinterpretation between types of one size (the 32-bit scalar ones print as intrinsics).
template <typename To, typename From> SK_DEV To bitcast(From a) {
  static_assert(sizeof(To) == sizeof(From), "bitcast between types of different sizes");
  To r;
  memcpy(&r, &a, sizeof(To));
  return r;
}

// ---- warps (subgroups of 32 lanes)

// The lanes of this invocation's warp that exist in a workgroup of THREADS invocations.
template <unsigned THREADS> SK_DEV unsigned lane_mask() {
  if constexpr (THREADS % 32u == 0u) {
    return 0xffffffffu;
  } else {
    const unsigned first = ((threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x) & ~31u;
    const unsigned n = THREADS - first < 32u ? THREADS - first : 32u;
    return n == 32u ? 0xffffffffu : (1u << n) - 1u;
  }
}

template <typename T> SK_DEV T shfl(T a, unsigned src, unsigned mask) { return __shfl_sync(mask, a, src); }
template <typename T> SK_DEV T shfl_xor(T a, unsigned m, unsigned mask) { return __shfl_xor_sync(mask, a, m); }
template <typename T> SK_DEV T shfl_down(T a, unsigned d, unsigned mask) { return __shfl_down_sync(mask, a, d); }
SK_DEV bool shfl(bool a, unsigned src, unsigned mask) { return __shfl_sync(mask, (int)a, src) != 0; }
SK_DEV bool shfl_xor(bool a, unsigned m, unsigned mask) { return __shfl_xor_sync(mask, (int)a, m) != 0; }
template <typename T, int N> SK_DEV vec<T, N> shfl(vec<T, N> a, unsigned src, unsigned mask) {
  return map([=](T p) { return shfl(p, src, mask); }, a);
}
template <typename T, int N> SK_DEV vec<T, N> shfl_xor(vec<T, N> a, unsigned m, unsigned mask) {
  return map([=](T p) { return shfl_xor(p, m, mask); }, a);
}
template <typename T, int N> SK_DEV vec<T, N> shfl_down(vec<T, N> a, unsigned d, unsigned mask) {
  return map([=](T p) { return shfl_down(p, d, mask); }, a);
}

// op over the warp's lanes in mask, the result in every lane. A full warp uses the xor butterfly;
// a partial warp (lanes 0..n-1) a shift-down tree, then lane 0's total is broadcast.
template <typename T, typename Op> SK_DEV T warp_reduce(T a, unsigned mask, Op op) {
  if (mask == 0xffffffffu) {
    for (unsigned m = 16u; m > 0u; m >>= 1u) a = op(a, shfl_xor(a, m, mask));
    return a;
  }
  const unsigned lane = ((threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x) & 31u;
  const unsigned n = __popc(mask);
  for (unsigned d = 16u; d > 0u; d >>= 1u) {
    const T b = shfl_down(a, d, mask);
    if (lane + d < n) a = op(a, b);
  }
  return shfl(a, 0u, mask);
}
template <typename T> SK_DEV T warp_add(T a, unsigned mask) { return warp_reduce(a, mask, [](T p, T q) { return p + q; }); }
template <typename T> SK_DEV T warp_min(T a, unsigned mask) { return warp_reduce(a, mask, [](T p, T q) { return min(p, q); }); }
template <typename T> SK_DEV T warp_max(T a, unsigned mask) { return warp_reduce(a, mask, [](T p, T q) { return max(p, q); }); }
// The value of the lowest lane in mask (every lane of a workgroup reaches these ops together).
template <typename T> SK_DEV T warp_first(T a, unsigned mask) { return shfl(a, (unsigned)(__ffs(mask) - 1), mask); }

#undef SK_DEV

}  // namespace sk
`;

// ---------------------------------------------------------------------------------------------
// Printing

/** The whole translation unit for one kernel: the prelude, then the kernel. */
export function printCuda(kernel: Kernel): string {
  return `${CUDA_PRELUDE}\n${printCudaKernel(kernel)}`;
}

/** A translation unit of several kernels (usually every launch of one executable). */
export interface CudaModule {
  readonly source: string;
  /** The function name of each input kernel in the unit (identical kernels share one). */
  readonly names: readonly string[];
  /** The distinct kernels in unit order, with their function names. */
  readonly kernels: readonly { readonly name: string; readonly kernel: Kernel }[];
}

/**
 * One translation unit for many kernels: identical kernels (same printed text) appear once, and
 * every function is named `<kernel name>_<index of first appearance>` so names are unique.
 */
export function cudaModule(kernels: readonly Kernel[]): CudaModule {
  const byText = new Map<string, string>();
  const distinct: { name: string; kernel: Kernel }[] = [];
  const parts: string[] = [CUDA_PRELUDE];
  const names = kernels.map((k) => {
    const text = printCudaKernel(k);
    let name = byText.get(text);
    if (name === undefined) {
      name = `${k.name}_${distinct.length}`;
      byText.set(text, name);
      distinct.push({ name, kernel: k });
      parts.push(printCudaKernel(k, name));
    }
    return name;
  });
  return { source: parts.join("\n"), names, kernels: distinct };
}

/** The kernel's params struct and `__global__` function, named `name` (default: the kernel's). */
export function printCudaKernel(kernel: Kernel, name: string = kernel.name): string {
  checkNames(kernel, name);
  const features = kernelFeatures(kernel);
  const layout = uniformLayout(kernel);
  const [wx, wy, wz] = kernel.workgroupSize;
  const p = new CLikePrinter(cudaDialect(kernel.workgroupSize));
  const out: string[] = [];

  out.push(`// kernel ${name}`);
  for (const line of kernel.doc.trim().split("\n")) out.push(comment(line));
  out.push("");

  const args = kernel.bindings.map((b) => `${b.access === "read" ? "const " : ""}${ctype(b.type)}* __restrict__ ${b.name}`);
  if (layout) {
    const struct = `${name}_Params`;
    out.push(`struct ${struct} {`);
    for (const f of layout.fields) out.push(`  ${ctype(f.type)} ${f.name};`);
    out.push("};", "");
    args.push(`const ${struct} params`);
  }
  const head = `extern "C" __global__ void __launch_bounds__(${wx * wy * wz}) ${name}(`;
  if (args.length <= 2) out.push(`${head}${args.join(", ")}) {`);
  else out.push(head, ...args.map((a, i) => `    ${a}${i < args.length - 1 ? "," : ") {"}`));

  for (const a of kernel.shared) out.push(`  __shared__ ${ctype(a.type)} ${a.name}[${a.length}];`);
  if (features.logicalGrid) {
    out.push("  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)");
    out.push("  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;");
    out.push("  if (wg_linear >= params.grid_x) {", "    return;", "  }");
  }
  p.stmts(kernel.body, 1, out);
  out.push("}");
  return out.join("\n") + "\n";
}

/** A `//` comment line; a trailing backslash would splice the next source line into it. */
function comment(text: string): string {
  const t = text.trimEnd();
  if (!t.trim()) return "//";
  return `// ${t}${t.endsWith("\\") ? " (end of line)" : ""}`;
}

// ---------------------------------------------------------------------------------------------
// Types and literals

const SCALAR_C: Readonly<Record<ScalarType, string>> = { bool: "bool", i32: "int", u32: "unsigned", f32: "float", f16: "__half" };

/** The CUDA type of an IR type: float, __half, int, unsigned, bool, or sk::f32x4 and the like. */
export function ctype(t: Type): string {
  const s = scalarOf(t);
  return isVector(t) ? `sk::${s}x${lanesOf(t)}` : SCALAR_C[s];
}

/** A typed CUDA literal: 3u, -7, 0.5f, __half(0.1f), true. */
export function cudaLiteral(type: ScalarType, value: number | boolean): string {
  switch (type) {
    case "bool": return value ? "true" : "false";
    case "u32": return `${value}u`;
    // -2147483648 would be unary minus applied to a literal too large for int.
    case "i32": return value === -(2 ** 31) ? "(-2147483647 - 1)" : `${value}`;
    // The shortest decimal is valid C and exact; an f16 value is exact in f32, so converting its
    // f32 spelling rounds nothing.
    case "f32": return `${floatText(value as number, "f32")}f`;
    case "f16": return `__half(${floatText(value as number, "f32")}f)`;
  }
}

function zeroOf(t: Type): string | null {
  switch (t) {
    case "f32": return "0.0f";
    case "i32": return "0";
    case "u32": return "0u";
    case "bool": return "false";
    default: return null; // f16 and vectors: value-initialized with {}
  }
}

// ---------------------------------------------------------------------------------------------
// Names

// C++ and CUDA words the Kernel IR's keyword list (build-kernel.ts) does not already exclude, and
// the unqualified functions this printer calls. An IR name among them would not compile.
const CPP_WORDS: ReadonlySet<string> = new Set([
  "and", "and_eq", "bitand", "bitor", "compl", "not", "not_eq", "or", "or_eq", "xor", "xor_eq",
  "alignas", "alignof", "catch", "char8_t", "char16_t", "char32_t", "concept", "consteval", "constexpr", "constinit",
  "const_cast", "co_await", "co_return", "co_yield", "decltype", "dynamic_cast", "explicit", "export", "friend",
  "mutable", "noexcept", "nullptr", "reinterpret_cast", "requires", "static_assert", "static_cast", "thread_local",
  "throw", "try", "typedef", "typeid", "virtual", "wchar_t", "float", "int", "unsigned", "bool", "sk",
  "expf", "exp2f", "logf", "log2f", "sqrtf", "rsqrtf", "tanhf", "sinf", "cosf", "powf", "fabsf", "floorf", "ceilf",
  "rintf", "truncf", "erff", "fminf", "fmaxf", "fmaf", "fmodf", "memcpy",
  "dim3", "uint3", "__half", "__syncthreads",
]);

function checkNames(k: Kernel, fnName: string): void {
  const bad = (n: string, what: string): void => {
    if (CPP_WORDS.has(n)) throw new Error(`kernel '${k.name}': ${what} name '${n}' is a C++/CUDA word; the CUDA printer cannot use it`);
  };
  bad(fnName, "kernel");
  k.bindings.forEach((b) => bad(b.name, "binding"));
  k.params.forEach((p) => bad(p.name, "param"));
  k.shared.forEach((a) => bad(a.name, "workgroup array"));
  forEachStmt(k.body, (s) => {
    if (s.kind === "let" || s.kind === "var" || s.kind === "array" || s.kind === "for") bad(s.name, s.kind);
  });
}

// ---------------------------------------------------------------------------------------------
// The dialect: how CUDA spells statements and expressions

// f32 scalars call CUDA's functions directly; everything else goes through the prelude's overloads.
const F32_FNS: Readonly<Record<string, string>> = {
  exp: "expf", exp2: "exp2f", log: "logf", log2: "log2f", sqrt: "sqrtf", inverseSqrt: "rsqrtf", tanh: "tanhf",
  sin: "sinf", cos: "cosf", pow: "powf", abs: "fabsf", floor: "floorf", ceil: "ceilf", round: "rintf", trunc: "truncf",
  erf: "erff", min: "fminf", max: "fmaxf", fma: "fmaf",
};
const SK_FNS: Readonly<Record<string, string>> = { inverseSqrt: "rsqrt" };

const BITCAST_INTRINSICS: Readonly<Record<string, string>> = {
  "f32>u32": "__float_as_uint", "f32>i32": "__float_as_int", "u32>f32": "__uint_as_float", "i32>f32": "__int_as_float",
  "i32>u32": "sk::to_u32", "u32>i32": "sk::to_i32",
};

const isConst = (e: Expr): e is Extract<Expr, { kind: "const" }> => e.kind === "const";

/** CUDA's spellings for one kernel (builtins and warp masks depend on its workgroup size). */
function cudaDialect(wg: readonly [number, number, number]): Dialect {
  const mask = `sk::lane_mask<${wg[0] * wg[1] * wg[2]}u>()`;
  return {
    parenthesizeNegativeOperands: true,
    let: (s, p) => `const ${ctype(s.type)} ${s.name} = ${p.expr(s.value)};`,
    var: (s, p) => {
      const zero = zeroOf(s.type);
      if (s.init) return `${ctype(s.type)} ${s.name} = ${p.expr(s.init)};`;
      return zero === null ? `${ctype(s.type)} ${s.name}{};` : `${ctype(s.type)} ${s.name} = ${zero};`;
    },
    array: (s) => `${ctype(s.type)} ${s.name}[${s.length}] = {};`,
    forInit: (s, p) => `${ctype(s.type)} ${s.name} = ${p.expr(s.start)}`,
    // i32 loop variables step with the wrapping add (C++ signed overflow is undefined).
    forStep: (s, p) => (s.type === "i32" ? `${s.name} = sk::add(${s.name}, ${p.expr(s.step)})` : `${s.name} += ${p.operand(s.step)}`),
    // __syncthreads orders shared and global memory for the block, so it serves both scopes.
    barrier: () => "__syncthreads();",
    comment,
    literal: (e) => cudaLiteral(e.type, e.value),
    builtin: (e) => builtin(wg, e.name, e.axis),
    unary: (e, p) => (e.type === "i32" && e.op === "neg" ? `sk::neg(${p.expr(e.arg)})` : p.prefix(e)),
    binary,
    call: (e, p) => {
      const args = e.args.map((a) => p.expr(a));
      if (e.type === "f32") {
        if (e.fn === "clamp") return `fminf(fmaxf(${args[0]}, ${args[1]}), ${args[2]})`;
        return `${F32_FNS[e.fn]}(${args.join(", ")})`;
      }
      return `sk::${SK_FNS[e.fn] ?? e.fn}(${args.join(", ")})`;
    },
    select: (e, p) => `(${p.expr(e.cond)} ? ${p.expr(e.ifTrue)} : ${p.expr(e.ifFalse)})`,
    cast: (e, p) => `sk::to_${scalarOf(e.type)}(${p.expr(e.arg)})`,
    bitcast: (e, p) => {
      const intrinsic = BITCAST_INTRINSICS[`${e.arg.type}>${e.type}`];
      if (intrinsic) return `${intrinsic}(${p.expr(e.arg)})`;
      return `sk::bitcast<${ctype(e.type)}>(${p.expr(e.arg)})`;
    },
    vector: (e, p) => {
      const parts = e.parts.map((a) => p.expr(a));
      return parts.length === 1 ? `sk::splat<${lanesOf(e.type)}>(${parts[0]})` : `${ctype(e.type)}{${parts.join(", ")}}`;
    },
    subgroup: (e, p) => {
      const x = p.expr(e.arg);
      const lane = e.lane ? p.expr(e.lane) : "";
      switch (e.op) {
        case "add": return `sk::warp_add(${x}, ${mask})`;
        case "min": return `sk::warp_min(${x}, ${mask})`;
        case "max": return `sk::warp_max(${x}, ${mask})`;
        case "shuffle": case "broadcast": return `sk::shfl(${x}, ${lane}, ${mask})`;
        case "shuffleXor": return `sk::shfl_xor(${x}, ${lane}, ${mask})`;
        case "broadcastFirst": return `sk::warp_first(${x}, ${mask})`;
      }
    },
  };
}

/**
 * A binary operator: native where C++ agrees with the IR (floats, unsigned arithmetic, a constant
 * divisor or shift that needs no guard, vectors through the prelude's operators), otherwise the
 * prelude's helper with the IR's integer semantics.
 */
function binary(e: ExprOf<"binary">, p: CLikePrinter): string {
  const { op, lhs, rhs } = e;
  const native = p.infix(e);
  // Vectors: the prelude's operators (lane-wise, with the integer rules below).
  if (isVector(lhs.type) || isVector(rhs.type)) return native;
  const s = scalarOf(lhs.type);
  const helper = (fn: string): string => `sk::${fn}(${p.expr(lhs)}, ${p.expr(rhs)})`;
  // A constant divisor that is neither 0 nor -1 needs no guard.
  const safeDivisor = isConst(rhs) && rhs.value !== 0 && rhs.value !== -1;
  const smallShift = isConst(rhs) && (rhs.value as number) < 32;
  switch (op) {
    case "add": case "sub": case "mul": return s === "i32" ? helper(op) : native;
    case "div": return s === "f32" || s === "f16" || safeDivisor ? native : helper("div");
    case "rem":
      if (s === "f32") return `fmodf(${p.expr(lhs)}, ${p.expr(rhs)})`;
      return s !== "f16" && safeDivisor ? native : helper("rem");
    case "shl": return s === "u32" && smallShift ? native : helper("shl");
    case "shr": return smallShift ? native : helper("shr");
    default: return native;
  }
}

function builtin(wg: readonly [number, number, number], name: string, axis: number): string {
  const c = "xyz"[axis]!;
  switch (name) {
    case "global_invocation_id": return `(blockIdx.${c} * ${wg[axis]}u + threadIdx.${c})`;
    case "local_invocation_id": return `threadIdx.${c}`;
    case "workgroup_id": return `blockIdx.${c}`;
    case "num_workgroups": return `gridDim.${c}`;
    case "logical_workgroup_id":
      if (axis === 2) throw new Error("logical_workgroup_id has axes x and y only");
      return axis === 0 ? "wg_linear" : "blockIdx.z";
    case "logical_num_workgroups":
      if (axis === 2) throw new Error("logical_num_workgroups has axes x and y only");
      return axis === 0 ? "params.grid_x" : "gridDim.z";
    case "local_invocation_index": return localIndex(wg);
    case "subgroup_size": return "32u";
    case "subgroup_invocation_id": return `(${localIndex(wg)} & 31u)`;
    default: throw new Error(`unknown builtin '${name}'`);
  }
}

function localIndex(wg: readonly [number, number, number]): string {
  const [wx, wy, wz] = wg;
  if (wy === 1 && wz === 1) return "threadIdx.x";
  const terms = ["threadIdx.x"];
  if (wy > 1) terms.push(`threadIdx.y * ${wx}u`);
  if (wz > 1) terms.push(`threadIdx.z * ${wx * wy}u`);
  return `(${terms.join(" + ")})`;
}
