// ---- launch 1 of 1, grid [1]
// kernel softmax_serial
// softmax along axis 1 of f32[6, 29] (max-subtracted)
// shapes: 6 rows × 29; one invocation per row, 64 per workgroup; f32 statistics

struct softmax_serial_Params {
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(64) softmax_serial(
    const float* __restrict__ x0,
    float* __restrict__ y1,
    const softmax_serial_Params params) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  const unsigned o = (wg_linear * 64u) + threadIdx.x;
  if (o >= 6u) {
    return;
  }
  const unsigned base = o * 29u;
  const float v = x0[o * 29u];
  float row_max_acc = v;
  for (unsigned k = 0u; k < 29u; k += 1u) {
    const float v_1 = x0[(o * 29u) + k];
    row_max_acc = fmaxf(row_max_acc, v_1);
  }
  float row_sum_acc = 0.0f;
  for (unsigned k_1 = 0u; k_1 < 29u; k_1 += 1u) {
    const float v_2 = x0[(o * 29u) + k_1];
    row_sum_acc = row_sum_acc + expf(v_2 - row_max_acc);
  }
  const float inv_sum = 1.0f / row_sum_acc;
  for (unsigned k_2 = 0u; k_2 < 29u; k_2 += 1u) {
    const float v_3 = x0[(o * 29u) + k_2];
    y1[base + k_2] = expf(v_3 - row_max_acc) * inv_sum;
  }
}
