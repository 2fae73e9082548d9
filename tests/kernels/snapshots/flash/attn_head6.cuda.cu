// ---- launch 1 of 1, grid [2]
// label: attention f32[1, 2, 21, 6] (flash 21×32; causal: unmasked below the diagonal, masked band)
// params: {"head_dim":6,"head_dim_v":6}
// kernel attention_flash
// attention: q [1, 2, 21, 6], k [1, 2, 21, 6], v [1, 2, 21, 6] → out [1, 2, 21, 6]
// flash (online softmax); one workgroup of 21 per (b, h, query tile); keys in chunks of 32; causal: unmasked below the diagonal, masked band

struct attention_flash_Params {
  unsigned head_dim;
  unsigned head_dim_v;
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(21) attention_flash(
    const float* __restrict__ x0,
    const float* __restrict__ x1,
    const float* __restrict__ x2,
    float* __restrict__ y3,
    const attention_flash_Params params) {
  __shared__ float k_tile[192];
  __shared__ float v_tile[192];
  __shared__ float scores[672];
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
  const unsigned i = (qt * 21u) + t;
  const bool live = i < 21u;
  const unsigned iq = sk::min(i, 20u);
  const int pos_q = sk::add(sk::to_i32(iq), 0);
  float q = 0.0f;
  float q_1 = 0.0f;
  float q_2 = 0.0f;
  float q_3 = 0.0f;
  float q_4 = 0.0f;
  float q_5 = 0.0f;
  const float v = x0[(h * 126u) + (iq * 6u)];
  q = v;
  const float v_1 = x0[((h * 126u) + (iq * 6u)) + 1u];
  q_1 = v_1;
  const float v_2 = x0[((h * 126u) + (iq * 6u)) + 2u];
  q_2 = v_2;
  const float v_3 = x0[((h * 126u) + (iq * 6u)) + 3u];
  q_3 = v_3;
  const float v_4 = x0[((h * 126u) + (iq * 6u)) + 4u];
  q_4 = v_4;
  const float v_5 = x0[((h * 126u) + (iq * 6u)) + 5u];
  q_5 = v_5;
  q = q * 0.4082483f;
  q_1 = q_1 * 0.4082483f;
  q_2 = q_2 * 0.4082483f;
  q_3 = q_3 * 0.4082483f;
  q_4 = q_4 * 0.4082483f;
  q_5 = q_5 * 0.4082483f;
  float m = -1e+30f;
  float l = 0.0f;
  float acc = 0.0f;
  float acc_1 = 0.0f;
  float acc_2 = 0.0f;
  float acc_3 = 0.0f;
  float acc_4 = 0.0f;
  float acc_5 = 0.0f;
  const unsigned full_end = sk::to_u32(sk::clamp(sk::add(sk::add(sk::to_i32(qt * 21u), 0), 1), 0, 21));
  const unsigned band_end = sk::max(full_end, sk::to_u32(sk::clamp(sk::add(sk::to_i32(sk::min((qt * 21u) + 21u, 21u)), 0), 0, 21)));
  for (unsigned e = 0u; e < 2u; e += 1u) {
    const bool band = e == 1u;
    for (unsigned c0 = (band ? full_end : 0u); c0 < (band ? band_end : full_end); c0 += 32u) {
      const unsigned n = sk::min(32u, (band ? band_end : full_end) - c0);
      for (unsigned e_1 = t; e_1 < (n * 6u); e_1 += 21u) {
        const float v_6 = x1[((h * 126u) + ((c0 + (e_1 / 6u)) * 6u)) + (e_1 % 6u)];
        k_tile[e_1] = v_6;
      }
      for (unsigned e_2 = t; e_2 < (n * 6u); e_2 += 21u) {
        const float v_7 = x2[((h * 126u) + ((c0 + (e_2 / 6u)) * 6u)) + (e_2 % 6u)];
        v_tile[e_2] = v_7;
      }
      __syncthreads();
      const unsigned so = t * 32u;
      float mx = -1e+30f;
      if (band) {
        for (unsigned jj = 0u; jj < n; jj += 1u) {
          const unsigned ko = jj * 6u;
          float dot = 0.0f;
          dot = fmaf(q, k_tile[ko + 0u], dot);
          dot = fmaf(q_1, k_tile[ko + 1u], dot);
          dot = fmaf(q_2, k_tile[ko + 2u], dot);
          dot = fmaf(q_3, k_tile[ko + 3u], dot);
          dot = fmaf(q_4, k_tile[ko + 4u], dot);
          dot = fmaf(q_5, k_tile[ko + 5u], dot);
          const bool ok = sk::to_i32(c0 + jj) <= pos_q;
          const float s = (ok ? dot : -1e+30f);
          scores[so + jj] = s;
          mx = fmaxf(mx, s);
        }
      } else {
        for (unsigned jj_1 = 0u; jj_1 < n; jj_1 += 1u) {
          const unsigned ko_1 = jj_1 * 6u;
          float dot_1 = 0.0f;
          dot_1 = fmaf(q, k_tile[ko_1 + 0u], dot_1);
          dot_1 = fmaf(q_1, k_tile[ko_1 + 1u], dot_1);
          dot_1 = fmaf(q_2, k_tile[ko_1 + 2u], dot_1);
          dot_1 = fmaf(q_3, k_tile[ko_1 + 3u], dot_1);
          dot_1 = fmaf(q_4, k_tile[ko_1 + 4u], dot_1);
          dot_1 = fmaf(q_5, k_tile[ko_1 + 5u], dot_1);
          const float s_1 = dot_1;
          scores[so + jj_1] = s_1;
          mx = fmaxf(mx, s_1);
        }
      }
      const float m_new = fmaxf(m, mx);
      const float alpha = (m > (-5e+29f) ? expf(m - m_new) : 0.0f);
      l = l * alpha;
      acc = acc * alpha;
      acc_1 = acc_1 * alpha;
      acc_2 = acc_2 * alpha;
      acc_3 = acc_3 * alpha;
      acc_4 = acc_4 * alpha;
      acc_5 = acc_5 * alpha;
      for (unsigned jj_2 = 0u; jj_2 < n; jj_2 += 1u) {
        const float s_2 = scores[so + jj_2];
        const float p = (s_2 <= (-5e+29f) ? 0.0f : expf(s_2 - m_new));
        l = l + p;
        const unsigned vo = jj_2 * 6u;
        acc = fmaf(p, v_tile[vo + 0u], acc);
        acc_1 = fmaf(p, v_tile[vo + 1u], acc_1);
        acc_2 = fmaf(p, v_tile[vo + 2u], acc_2);
        acc_3 = fmaf(p, v_tile[vo + 3u], acc_3);
        acc_4 = fmaf(p, v_tile[vo + 4u], acc_4);
        acc_5 = fmaf(p, v_tile[vo + 5u], acc_5);
      }
      m = m_new;
      __syncthreads();
    }
  }
  const bool empty = l == 0.0f;
  const float inv_l = (empty ? 0.0f : 1.0f / l);
  if (live) {
    const unsigned o = ((((b * 2u) + h) * 21u) + i) * 6u;
    y3[o + 0u] = (empty ? 0.0f : acc * inv_l);
    y3[o + 1u] = (empty ? 0.0f : acc_1 * inv_l);
    y3[o + 2u] = (empty ? 0.0f : acc_2 * inv_l);
    y3[o + 3u] = (empty ? 0.0f : acc_3 * inv_l);
    y3[o + 4u] = (empty ? 0.0f : acc_4 * inv_l);
    y3[o + 5u] = (empty ? 0.0f : acc_5 * inv_l);
  }
}
