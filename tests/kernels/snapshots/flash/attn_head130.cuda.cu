// ---- launch 1 of 1, grid [18]
// label: attention f32[1, 2, 9, 130]
// params: {}
// kernel attention
// attention: q [1, 2, 9, 130], k [1, 2, 9, 130], v [1, 2, 9, 130] → out [1, 2, 9, 130]
// mask: causal; scale 0.08770580193070293; one workgroup of 64 per query row; keys in chunks of 9

struct attention_Params {
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(64) attention(
    const float* __restrict__ x0,
    const float* __restrict__ x1,
    const float* __restrict__ x2,
    float* __restrict__ y3,
    const attention_Params params) {
  __shared__ float q_row[130];
  __shared__ float scores[9];
  __shared__ float red[64];
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  const unsigned t = threadIdx.x;
  const unsigned row = wg_linear;
  for (unsigned d = t; d < 130u; d += 64u) {
    const float v = x0[((((row / 9u) % 2u) * 1170u) + ((row % 9u) * 130u)) + d];
    q_row[d] = v;
  }
  __syncthreads();
  const int pos_q = sk::add(sk::to_i32(row % 9u), 0);
  float m = -1e+30f;
  float l = 0.0f;
  float acc = 0.0f;
  float acc_1 = 0.0f;
  float acc_2 = 0.0f;
  for (unsigned c0 = 0u; c0 < 9u; c0 += 9u) {
    const unsigned n = sk::min(9u, 9u - c0);
    float lmax = -1e+30f;
    for (unsigned jj = t; jj < n; jj += 64u) {
      const unsigned j = c0 + jj;
      float s = -1e+30f;
      const int pos_k = sk::to_i32(j);
      if (pos_k <= pos_q) {
        float dot = 0.0f;
        for (unsigned d_1 = 0u; d_1 < 130u; d_1 += 1u) {
          const float v_1 = x1[((((row / 9u) % 2u) * 1170u) + (j * 130u)) + d_1];
          dot = fmaf(q_row[d_1], v_1, dot);
        }
        s = dot * 0.0877058f;
      }
      scores[jj] = s;
      lmax = fmaxf(lmax, s);
    }
    red[t] = lmax;
    __syncthreads();
    if (t < 32u) {
      red[t] = fmaxf(red[t], red[t + 32u]);
    }
    __syncthreads();
    if (t < 16u) {
      red[t] = fmaxf(red[t], red[t + 16u]);
    }
    __syncthreads();
    if (t < 8u) {
      red[t] = fmaxf(red[t], red[t + 8u]);
    }
    __syncthreads();
    if (t < 4u) {
      red[t] = fmaxf(red[t], red[t + 4u]);
    }
    __syncthreads();
    if (t < 2u) {
      red[t] = fmaxf(red[t], red[t + 2u]);
    }
    __syncthreads();
    if (t < 1u) {
      red[t] = fmaxf(red[t], red[t + 1u]);
    }
    __syncthreads();
    const float m_new = fmaxf(m, red[0u]);
    __syncthreads();
    float lsum = 0.0f;
    for (unsigned jj_1 = t; jj_1 < n; jj_1 += 64u) {
      const float s_1 = scores[jj_1];
      const float p = (s_1 <= (-5e+29f) ? 0.0f : expf(s_1 - m_new));
      scores[jj_1] = p;
      lsum = lsum + p;
    }
    red[t] = lsum;
    __syncthreads();
    if (t < 32u) {
      red[t] = red[t] + red[t + 32u];
    }
    __syncthreads();
    if (t < 16u) {
      red[t] = red[t] + red[t + 16u];
    }
    __syncthreads();
    if (t < 8u) {
      red[t] = red[t] + red[t + 8u];
    }
    __syncthreads();
    if (t < 4u) {
      red[t] = red[t] + red[t + 4u];
    }
    __syncthreads();
    if (t < 2u) {
      red[t] = red[t] + red[t + 2u];
    }
    __syncthreads();
    if (t < 1u) {
      red[t] = red[t] + red[t + 1u];
    }
    __syncthreads();
    const float alpha = (m <= (-5e+29f) ? 0.0f : expf(m - m_new));
    l = fmaf(l, alpha, red[0u]);
    m = m_new;
    acc = acc * alpha;
    acc_1 = acc_1 * alpha;
    acc_2 = acc_2 * alpha;
    for (unsigned jj_2 = 0u; jj_2 < n; jj_2 += 1u) {
      const float p_1 = scores[jj_2];
      if (p_1 > 0.0f) {
        const unsigned j_1 = c0 + jj_2;
        const float v_2 = x2[((((row / 9u) % 2u) * 1170u) + (j_1 * 130u)) + t];
        acc = fmaf(p_1, v_2, acc);
        const float v_3 = x2[((((row / 9u) % 2u) * 1170u) + (j_1 * 130u)) + (t + 64u)];
        acc_1 = fmaf(p_1, v_3, acc_1);
        if ((t + 128u) < 130u) {
          const float v_4 = x2[((((row / 9u) % 2u) * 1170u) + (j_1 * 130u)) + (t + 128u)];
          acc_2 = fmaf(p_1, v_4, acc_2);
        }
      }
    }
    __syncthreads();
  }
  const float inv_l = (l == 0.0f ? 0.0f : 1.0f / l);
  if (t < 130u) {
    y3[(row * 130u) + t] = acc * inv_l;
  }
  if ((t + 64u) < 130u) {
    y3[(row * 130u) + (t + 64u)] = acc_1 * inv_l;
  }
  if ((t + 128u) < 130u) {
    y3[(row * 130u) + (t + 128u)] = acc_2 * inv_l;
  }
}
