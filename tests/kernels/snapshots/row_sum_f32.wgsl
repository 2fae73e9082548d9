// kernel row_sum_f32
// out[r] = sum over c of x[r, c]
// shapes: x: f32[rows, cols], out: f32[rows]; grid: rows workgroups of 64, accumulation in f32

struct Params {
  cols: u32,
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let row: u32 = wg_linear;
  let t: u32 = lid.x;
  var acc: f32;
  for (var c: u32 = t; c < params.cols; c += 64u) {
    acc = acc + x[(row * params.cols) + c];
  }
  partial[t] = acc;
  workgroupBarrier();
  // tree reduction: halve the active invocations each step
  var stride: u32 = 32u;
  while (stride > 0u) {
    if (t < stride) {
      partial[t] = partial[t] + partial[t + stride];
    }
    workgroupBarrier();
    stride = stride >> 1u;
  }
  if (t == 0u) {
    out[row] = partial[0u];
  }
}
