// ---- launch 1 of 1, grid [2]
// kernel flash_attention
// attention: q [1, 2, 7, 8], k [1, 2, 7, 8], v [1, 2, 7, 8] → out [1, 2, 7, 8]
// flash (online softmax); one workgroup of 7 per (b, h, query tile); keys in chunks of 32; causal: unmasked below the diagonal, masked band

struct flash_attention_Params {
  unsigned head_dim;
  unsigned head_dim_v;
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(7) flash_attention(
    const float* __restrict__ x0,
    const float* __restrict__ x1,
    const float* __restrict__ x2,
    float* __restrict__ y3,
    const flash_attention_Params params) {
  __shared__ float k_tile[256];
  __shared__ float v_tile[256];
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  const unsigned t = threadIdx.x;
  const unsigned wg = wg_linear;
  const unsigned qt = 0u;
  const unsigned h = wg % 2u;
  const unsigned b = wg / 2u;
  const unsigned i = (qt * 7u) + t;
  const bool live = i < 7u;
  const unsigned iq = sk::min(i, 6u);
  const int pos_q = sk::add(sk::to_i32(iq), 0);
  float q_row[8] = {};
  for (unsigned d = 0u; d < params.head_dim; d += 1u) {
    const float v = x0[((h * 56u) + (iq * 8u)) + d];
    q_row[d] = v;
  }
  for (unsigned d_1 = 0u; d_1 < params.head_dim; d_1 += 1u) {
    q_row[d_1] = q_row[d_1] * 0.35355338f;
  }
  float m = -1e+30f;
  float l = 0.0f;
  float acc[8] = {};
  float score[32] = {};
  const unsigned full_end = sk::to_u32(sk::clamp(sk::add(sk::add(sk::to_i32(qt * 7u), 0), 1), 0, 7));
  const unsigned band_end = sk::max(full_end, sk::to_u32(sk::clamp(sk::add(sk::to_i32(sk::min((qt * 7u) + 7u, 7u)), 0), 0, 7)));
  for (unsigned e = 0u; e < 2u; e += 1u) {
    const bool band = e == 1u;
    for (unsigned c0 = (band ? full_end : 0u); c0 < (band ? band_end : full_end); c0 += 32u) {
      const unsigned n = sk::min(32u, (band ? band_end : full_end) - c0);
      for (unsigned e_1 = t; e_1 < (n * 8u); e_1 += 7u) {
        const float v_1 = x1[((h * 56u) + ((c0 + (e_1 / 8u)) * 8u)) + (e_1 % 8u)];
        k_tile[e_1] = v_1;
      }
      for (unsigned e_2 = t; e_2 < (n * 8u); e_2 += 7u) {
        const float v_2 = x2[((h * 56u) + ((c0 + (e_2 / 8u)) * 8u)) + (e_2 % 8u)];
        v_tile[e_2] = v_2;
      }
      __syncthreads();
      float mx = -1e+30f;
      if (band) {
        for (unsigned jj = 0u; jj < n; jj += 1u) {
          float dot = 0.0f;
          const unsigned o = jj * 8u;
          for (unsigned d_2 = 0u; d_2 < params.head_dim; d_2 += 1u) {
            dot = fmaf(q_row[d_2], k_tile[o + d_2], dot);
          }
          const float s = (sk::to_i32(c0 + jj) <= pos_q ? dot : -1e+30f);
          score[jj] = s;
          mx = fmaxf(mx, s);
        }
      } else {
        for (unsigned jj_1 = 0u; jj_1 < n; jj_1 += 1u) {
          float dot_1 = 0.0f;
          const unsigned o_1 = jj_1 * 8u;
          for (unsigned d_3 = 0u; d_3 < params.head_dim; d_3 += 1u) {
            dot_1 = fmaf(q_row[d_3], k_tile[o_1 + d_3], dot_1);
          }
          const float s_1 = dot_1;
          score[jj_1] = s_1;
          mx = fmaxf(mx, s_1);
        }
      }
      const float m_new = fmaxf(m, mx);
      const float alpha = (m > (-5e+29f) ? expf(m - m_new) : 0.0f);
      l = l * alpha;
      for (unsigned c = 0u; c < params.head_dim_v; c += 1u) {
        acc[c] = acc[c] * alpha;
      }
      for (unsigned jj_2 = 0u; jj_2 < n; jj_2 += 1u) {
        const float s_2 = score[jj_2];
        const float p = (s_2 > (-5e+29f) ? expf(s_2 - m_new) : 0.0f);
        l = l + p;
        const unsigned o_2 = jj_2 * 8u;
        for (unsigned c_1 = 0u; c_1 < params.head_dim_v; c_1 += 1u) {
          acc[c_1] = fmaf(p, v_tile[o_2 + c_1], acc[c_1]);
        }
      }
      m = m_new;
      __syncthreads();
    }
  }
  const float inv_l = (l > 0.0f ? 1.0f / l : 0.0f);
  if (live) {
    const unsigned o_3 = ((((b * 2u) + h) * 7u) + i) * 8u;
    for (unsigned c_2 = 0u; c_2 < params.head_dim_v; c_2 += 1u) {
      y3[o_3 + c_2] = acc[c_2] * inv_l;
    }
  }
}
