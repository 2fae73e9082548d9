// ---- launch 1 of 1, grid [5]
// kernel layer_norm_workgroup
// layer_norm over the last axis of f32[5, 37], weight and bias [37], biased variance
// shapes: 5 rows × 37; one workgroup of 32 per row, strided loops, tree reductions in workgroup memory; f32 statistics

struct layer_norm_workgroup_Params {
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(32) layer_norm_workgroup(
    const float* __restrict__ x0,
    float* __restrict__ y1,
    const float* __restrict__ x2,
    const float* __restrict__ x3,
    const layer_norm_workgroup_Params params) {
  __shared__ float partial[32];
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  const unsigned lane = threadIdx.x;
  const unsigned o = wg_linear;
  const unsigned base = o * 37u;
  float row_sum_acc = 0.0f;
  for (unsigned k = lane; k < 37u; k += 32u) {
    const float v = x0[(o * 37u) + k];
    row_sum_acc = row_sum_acc + v;
  }
  partial[lane] = row_sum_acc;
  __syncthreads();
  unsigned stride = 16u;
  while (stride > 0u) {
    if (lane < stride) {
      const unsigned other = lane + stride;
      partial[lane] = partial[lane] + partial[other];
    }
    __syncthreads();
    stride = stride >> 1u;
  }
  const float row_sum = partial[0u];
  __syncthreads();
  const float mean = row_sum / 37.0f;
  float row_sq_acc = 0.0f;
  for (unsigned k_1 = lane; k_1 < 37u; k_1 += 32u) {
    const float v_1 = x0[(o * 37u) + k_1];
    const float d = v_1 - mean;
    row_sq_acc = row_sq_acc + (d * d);
  }
  partial[lane] = row_sq_acc;
  __syncthreads();
  unsigned stride_1 = 16u;
  while (stride_1 > 0u) {
    if (lane < stride_1) {
      const unsigned other_1 = lane + stride_1;
      partial[lane] = partial[lane] + partial[other_1];
    }
    __syncthreads();
    stride_1 = stride_1 >> 1u;
  }
  const float row_sq = partial[0u];
  __syncthreads();
  const float rstd = rsqrtf((row_sq / 37.0f) + 1e-5f);
  for (unsigned k_2 = lane; k_2 < 37u; k_2 += 32u) {
    const float v_2 = x2[k_2];
    const float v_3 = x3[k_2];
    const float v_4 = x0[(o * 37u) + k_2];
    y1[base + k_2] = (((v_4 - mean) * rstd) * v_2) + v_3;
  }
}
