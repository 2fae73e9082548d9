// kernel erf_f32
// y[i] = erf(x[i])
// shapes: x, y: f32[n]; grid: ceil(n / 64) logical workgroups

struct Params {
  n: u32,
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// erf (not a WGSL builtin): Maclaurin series below 1, Abramowitz & Stegun 7.1.26 above; |error| < 3e-7.
fn erf_f32(x: f32) -> f32 {
  let a = abs(x);
  if (a < 1.0f) {
    let s = x * x;
    var p = -1.2290555e-9f;
    p = fma(p, s, 1.4807193e-8f);
    p = fma(p, s, -1.6365844e-7f);
    p = fma(p, s, 1.6462114e-6f);
    p = fma(p, s, -1.492565e-5f);
    p = fma(p, s, 0.000120553326f);
    p = fma(p, s, -0.0008548327f);
    p = fma(p, s, 0.005223978f);
    p = fma(p, s, -0.026866172f);
    p = fma(p, s, 0.11283792f);
    p = fma(p, s, -0.37612638f);
    p = fma(p, s, 1.1283792f);
    return x * p;
  }
  let t = 1.0f / fma(0.3275911f, a, 1.0f);
  let q = t * fma(t, fma(t, fma(t, fma(t, 1.061405429f, -1.453152027f), 1.421413741f), -0.284496736f), 0.254829592f);
  let y = 1.0f - q * exp(-(a * a));
  return select(-y, y, x >= 0.0f);
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let i: u32 = (wg_linear * 64u) + lid.x;
  if (i < params.n) {
    y[i] = erf_f32(x[i]);
  }
}
