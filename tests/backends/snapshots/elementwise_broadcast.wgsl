// ---- launch 1 of 1, grid [1]
// kernel elementwise
// fused elementwise: sub → f32[4, 9]

struct Params {
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0: array<f32>;
@group(0) @binding(1) var<storage, read> x1: array<f32>;
@group(0) @binding(2) var<storage, read_write> y2: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let i: u32 = (wg_linear * 64u) + lid.x;
  if (i >= 36u) {
    return;
  }
  let v: f32 = x0[((i / 9u) * 9u) + (i % 9u)];
  let v_1: f32 = x1[i % 9u];
  let v_2: f32 = v + v_1;
  let v_3: f32 = exp(v_2);
  let v_4: f32 = v_3 * v;
  let v_5: f32 = tanh(clamp(v_4, -15.0f, 15.0f));
  let v_6: f32 = v_5 - 0.5f;
  y2[i] = v_6;
}
