// ---- launch 1 of 1, grid [1]
// kernel softmax_serial
// softmax along axis 1 of f32[6, 29] (max-subtracted)
// shapes: 6 rows × 29; one invocation per row, 64 per workgroup; f32 statistics

struct Params {
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0: array<f32>;
@group(0) @binding(1) var<storage, read_write> y1: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let o: u32 = (wg_linear * 64u) + lid.x;
  if (o >= 6u) {
    return;
  }
  let base: u32 = o * 29u;
  let v: f32 = x0[o * 29u];
  var row_max_acc: f32 = v;
  for (var k: u32 = 0u; k < 29u; k += 1u) {
    let v_1: f32 = x0[(o * 29u) + k];
    row_max_acc = max(row_max_acc, v_1);
  }
  var row_sum_acc: f32 = 0.0f;
  for (var k_1: u32 = 0u; k_1 < 29u; k_1 += 1u) {
    let v_2: f32 = x0[(o * 29u) + k_1];
    row_sum_acc = row_sum_acc + exp(v_2 - row_max_acc);
  }
  let inv_sum: f32 = 1.0f / row_sum_acc;
  for (var k_2: u32 = 0u; k_2 < 29u; k_2 += 1u) {
    let v_3: f32 = x0[(o * 29u) + k_2];
    y1[base + k_2] = exp(v_3 - row_max_acc) * inv_sum;
  }
}
