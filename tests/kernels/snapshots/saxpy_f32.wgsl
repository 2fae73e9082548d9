// kernel saxpy_f32
// y[i] = a * x[i] + y[i]
// shapes: x, y: f32[n]; a: f32 (rounded to f32); one invocation per element

struct Params {
  a: f32,
  n: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i: u32 = gid.x;
  if (i >= params.n) {
    return;
  }
  y[i] = fma(params.a, x[i], y[i]);
}
