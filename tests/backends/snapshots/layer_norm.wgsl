// ---- launch 1 of 1, grid [5]
// kernel layer_norm_workgroup
// layer_norm over the last axis of f32[5, 37], weight and bias [37], biased variance
// shapes: 5 rows × 37; one workgroup of 32 per row, strided loops, tree reductions in workgroup memory; f32 statistics

struct Params {
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0: array<f32>;
@group(0) @binding(1) var<storage, read_write> y1: array<f32>;
@group(0) @binding(2) var<storage, read> x2: array<f32>;
@group(0) @binding(3) var<storage, read> x3: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> partial: array<f32, 32>;

@compute @workgroup_size(32, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let lane: u32 = lid.x;
  let o: u32 = wg_linear;
  let base: u32 = o * 37u;
  var row_sum_acc: f32 = 0.0f;
  for (var k: u32 = lane; k < 37u; k += 32u) {
    let v: f32 = x0[(o * 37u) + k];
    row_sum_acc = row_sum_acc + v;
  }
  partial[lane] = row_sum_acc;
  workgroupBarrier();
  var stride: u32 = 16u;
  while (stride > 0u) {
    if (lane < stride) {
      let other: u32 = lane + stride;
      partial[lane] = partial[lane] + partial[other];
    }
    workgroupBarrier();
    stride = stride >> 1u;
  }
  let row_sum: f32 = partial[0u];
  workgroupBarrier();
  let mean: f32 = row_sum / 37.0f;
  var row_sq_acc: f32 = 0.0f;
  for (var k_1: u32 = lane; k_1 < 37u; k_1 += 32u) {
    let v_1: f32 = x0[(o * 37u) + k_1];
    let d: f32 = v_1 - mean;
    row_sq_acc = row_sq_acc + (d * d);
  }
  partial[lane] = row_sq_acc;
  workgroupBarrier();
  var stride_1: u32 = 16u;
  while (stride_1 > 0u) {
    if (lane < stride_1) {
      let other_1: u32 = lane + stride_1;
      partial[lane] = partial[lane] + partial[other_1];
    }
    workgroupBarrier();
    stride_1 = stride_1 >> 1u;
  }
  let row_sq: f32 = partial[0u];
  workgroupBarrier();
  let rstd: f32 = inverseSqrt((row_sq / 37.0f) + 1e-5f);
  for (var k_2: u32 = lane; k_2 < 37u; k_2 += 32u) {
    let v_2: f32 = x2[k_2];
    let v_3: f32 = x3[k_2];
    let v_4: f32 = x0[(o * 37u) + k_2];
    y1[base + k_2] = (((v_4 - mean) * rstd) * v_2) + v_3;
  }
}
