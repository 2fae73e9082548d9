// ---- launch 1 of 2, grid [1]
// label: block_lists i32[2, 2, 6]
// params: {}
// kernel block_lists
// block_lists: segments [2, 3, 3] → i32[2, 2, 6]
// per query tile the key tiles (32×32 tiles of 37×37, key tiles from 5 keys in, causal): [nP, partial…, nF, full…]

struct block_lists_Params {
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(64) block_lists(
    int* __restrict__ y0,
    const int* __restrict__ x1,
    const block_lists_Params params) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  const unsigned idx = (wg_linear * 64u) + threadIdx.x;
  if (idx >= 4u) {
    return;
  }
  const unsigned b = idx / 2u;
  const unsigned o = idx % 2u;
  const unsigned base = idx * 6u;
  unsigned n_partial = 0u;
  unsigned n_full = 0u;
  for (unsigned x = 0u; x < 2u; x += 1u) {
    const int r0 = sk::add(sk::to_i32(o * 32u), 0);
    const int r1 = sk::add(sk::to_i32(sk::min((o * 32u) + 32u, 37u)), 0);
    const int c0 = sk::to_i32(sk::max(x * 32u, 27u) - 27u);
    const int c1 = sk::to_i32(sk::min(((x * 32u) + 32u) - 27u, 37u));
    bool all = true;
    bool none = true;
    int ra = r0;
    while (ra < r1) {
      int cut = r1;
      for (unsigned s = 0u; s < 3u; s += 1u) {
        const int v = x1[(b * 9u) + (s * 3u)];
        const bool used = v != 0;
        const int v_1 = x1[((b * 9u) + (s * 3u)) + 1u];
        cut = (used && ((v_1 > ra) && (v_1 < cut)) ? v_1 : cut);
        const int v_2 = x1[((b * 9u) + (s * 3u)) + 2u];
        cut = (used && ((v_2 > ra) && (v_2 < cut)) ? v_2 : cut);
      }
      const int next = cut;
      bool pad_i = false;
      bool dead_i = false;
      for (unsigned s_1 = 0u; s_1 < 3u; s_1 += 1u) {
        const int v_3 = x1[(b * 9u) + (s_1 * 3u)];
        const int kind = v_3;
        const int v_4 = x1[((b * 9u) + (s_1 * 3u)) + 1u];
        const int v_5 = x1[((b * 9u) + (s_1 * 3u)) + 2u];
        const bool in_i = (ra >= v_4) && (ra < v_5);
        pad_i = pad_i || ((kind == 1) && in_i);
        dead_i = dead_i || ((kind == 4) && in_i);
      }
      int ca = c0;
      while (ca < c1) {
        int cut_1 = c1;
        for (unsigned s_2 = 0u; s_2 < 3u; s_2 += 1u) {
          const int v_6 = x1[(b * 9u) + (s_2 * 3u)];
          const bool used_1 = v_6 != 0;
          const int v_7 = x1[((b * 9u) + (s_2 * 3u)) + 1u];
          cut_1 = (used_1 && ((v_7 > ca) && (v_7 < cut_1)) ? v_7 : cut_1);
          const int v_8 = x1[((b * 9u) + (s_2 * 3u)) + 2u];
          cut_1 = (used_1 && ((v_8 > ca) && (v_8 < cut_1)) ? v_8 : cut_1);
        }
        const int next_1 = cut_1;
        bool pad_j = false;
        bool dead_j = false;
        bool glob = false;
        bool span = false;
        for (unsigned s_3 = 0u; s_3 < 3u; s_3 += 1u) {
          const int v_9 = x1[(b * 9u) + (s_3 * 3u)];
          const int kind_1 = v_9;
          const int v_10 = x1[((b * 9u) + (s_3 * 3u)) + 1u];
          const int v_11 = x1[((b * 9u) + (s_3 * 3u)) + 2u];
          const bool in_j = (ca >= v_10) && (ca < v_11);
          pad_j = pad_j || ((kind_1 == 1) && in_j);
          dead_j = dead_j || ((kind_1 == 4) && in_j);
          glob = glob || ((kind_1 == 3) && in_j);
          span = span || (((kind_1 == 2) && in_j) && ((ra >= v_10) && (ra < v_11)));
        }
        if ((dead_i || dead_j) || (pad_j && (!pad_i))) {
          all = false;
        } else {
          if (span || glob) {
            none = false;
          } else {
            if ((sk::sub(next_1, 1)) <= ra) {
              none = false;
            } else {
              if (ca > (sk::sub(next, 1))) {
                all = false;
              } else {
                all = false;
                none = false;
              }
            }
          }
        }
        ca = next_1;
      }
      ra = next;
    }
    if (all) {
      y0[base + (n_full + 4u)] = sk::to_i32(x);
      n_full = n_full + 1u;
    } else {
      if (!none) {
        y0[base + (n_partial + 1u)] = sk::to_i32(x);
        n_partial = n_partial + 1u;
      }
    }
  }
  y0[base] = sk::to_i32(n_partial);
  y0[base + 3u] = sk::to_i32(n_full);
  for (unsigned e = n_partial; e < 2u; e += 1u) {
    y0[base + (e + 1u)] = 0;
  }
  for (unsigned e_1 = n_full; e_1 < 2u; e_1 += 1u) {
    y0[base + (e_1 + 4u)] = 0;
  }
}

// ---- launch 2 of 2, grid [8]
// label: attention_qknorm f32[2, 2, 37, 64] (flash blocked 32×32; every key masked (no lists))
// params: {"head_groups":16,"key_groups":8,"norm_items":12}
// kernel attention_qknorm_flash
// attention_qknorm: q [2, 2, 37, 64], k [2, 2, 37, 64], v [2, 2, 37, 64] → out [2, 2, 37, 64]
// flash, register-blocked: one workgroup of 64 per (b, h, 32-row query tile); keys in chunks of 32; 4×4 score blocks, 4×8 output blocks; every key masked (no lists)
// prologue: per-head LayerNorm (eps 0.00001) and rotary (dim 32, base 10000) of q and k tiles

struct attention_qknorm_flash_Params {
  unsigned head_groups;
  unsigned key_groups;
  unsigned norm_items;
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(64) attention_qknorm_flash(
    const sk::f32x4* __restrict__ x0_v4,
    const sk::f32x4* __restrict__ x1_v4,
    const sk::f32x4* __restrict__ x2_v4,
    const sk::f32x4* __restrict__ x3_v4,
    const sk::f32x4* __restrict__ x4_v4,
    const int* __restrict__ x5,
    const int* __restrict__ x6,
    const sk::f32x4* __restrict__ x7_v4,
    const sk::f32x4* __restrict__ x8_v4,
    float* __restrict__ y9,
    const attention_qknorm_flash_Params params) {
  __shared__ sk::f32x4 q_tile[512];
  __shared__ sk::f32x4 k_tile[512];
  __shared__ sk::f32x4 v_tile[512];
  __shared__ sk::f32x4 p_tile[256];
  __shared__ float row_max[32];
  __shared__ float row_sum[32];
  __shared__ float row_alpha[32];
  __shared__ unsigned q_mask[32];
  __shared__ unsigned k_mask[32];
  __shared__ sk::f32x4 inv_freq[4];
  __shared__ sk::f32x4 norm_params[64];
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  const unsigned t = threadIdx.x;
  const unsigned wg = wg_linear;
  const unsigned qt = wg % 2u;
  const unsigned h = (wg / 2u) % 2u;
  const unsigned b = wg / 4u;
  const unsigned row0 = qt * 32u;
  for (unsigned e = t; e < 16u; e += 64u) {
    norm_params[e + 0u] = x0_v4[e];
  }
  for (unsigned e_1 = t; e_1 < 16u; e_1 += 64u) {
    norm_params[e_1 + 16u] = x1_v4[e_1];
  }
  for (unsigned e_2 = t; e_2 < 16u; e_2 += 64u) {
    norm_params[e_2 + 32u] = x2_v4[e_2];
  }
  for (unsigned e_3 = t; e_3 < 16u; e_3 += 64u) {
    norm_params[e_3 + 48u] = x3_v4[e_3];
  }
  if (t == 0u) {
    inv_freq[0u] = sk::f32x4{1.0f, 0.56234133f, 0.31622776f, 0.17782794f};
    inv_freq[1u] = sk::f32x4{0.1f, 0.056234132f, 0.031622775f, 0.017782794f};
    inv_freq[2u] = sk::f32x4{0.01f, 0.0056234132f, 0.0031622776f, 0.0017782794f};
    inv_freq[3u] = sk::f32x4{0.001f, 0.0005623413f, 0.00031622776f, 0.00017782794f};
  }
  __syncthreads();
  for (unsigned r = t; r < 32u; r += 64u) {
    const unsigned j = sk::min(row0 + r, 36u);
    const unsigned o = r * 16u;
    const sk::f32x4 shift = sk::splat<4>(x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 0u].x);
    sk::f32x4 sum = sk::splat<4>(0.0f);
    sk::f32x4 sq = sk::splat<4>(0.0f);
    for (unsigned g = 0u; g < params.head_groups; g += 1u) {
      const sk::f32x4 x = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + g];
      q_tile[o + g] = x;
      const sk::f32x4 c = x - shift;
      sum = sum + c;
      sq = sq + (c * c);
    }
    const float m1 = ((sum.x + sum.y) + (sum.z + sum.w)) * 0.015625f;
    const float var_1 = fmaxf((((sq.x + sq.y) + (sq.z + sq.w)) * 0.015625f) - (m1 * m1), 0.0f);
    const sk::f32x4 mean = sk::splat<4>(m1 + shift.x);
    const sk::f32x4 rstd = sk::splat<4>(rsqrtf(var_1 + 1e-5f));
    const int v = x5[sk::min((row0 + r) + 0u, 36u)];
    const float p = sk::to_f32(v);
    for (unsigned x_1 = 0u; x_1 < params.norm_items; x_1 += 1u) {
      const unsigned g_1 = (x_1 < 4u ? x_1 : x_1 + 4u);
      if (x_1 < 4u) {
        const unsigned g2 = g_1 + 4u;
        const sk::f32x4 n = (((q_tile[o + g_1] - mean) * rstd) * norm_params[g_1 + 0u]) + norm_params[g_1 + 16u];
        const sk::f32x4 n_1 = (((q_tile[o + g2] - mean) * rstd) * norm_params[g2 + 0u]) + norm_params[g2 + 16u];
        const sk::f32x4 quadrant = sk::round((inv_freq[g_1] * p) * sk::splat<4>(0.63661975f));
        const sk::f32x4 red = (((inv_freq[g_1] * p) - (quadrant * sk::splat<4>(1.5703125f))) - (quadrant * sk::splat<4>(0.0004837513f))) - (quadrant * sk::splat<4>(7.54979e-8f));
        const sk::f32x4 z = red * red;
        const sk::f32x4 s_r = sk::fma(red * z, sk::fma(z, sk::fma(z, sk::splat<4>(-0.00019515296f), sk::splat<4>(0.008332161f)), sk::splat<4>(-0.16666655f)), red);
        const sk::f32x4 c_r = sk::fma(z * z, sk::fma(z, sk::fma(z, sk::splat<4>(2.4433157e-5f), sk::splat<4>(-0.0013887316f)), sk::splat<4>(0.041666646f)), sk::fma(z, sk::splat<4>(-0.5f), sk::splat<4>(1.0f)));
        const sk::f32x4 q = quadrant - (sk::splat<4>(4.0f) * sk::floor(quadrant * sk::splat<4>(0.25f)));
        const sk::f32x4 odd = q - (sk::splat<4>(2.0f) * sk::floor(q * sk::splat<4>(0.5f)));
        const sk::f32x4 sin_t = s_r + (odd * (c_r - s_r));
        const sk::f32x4 cos_t = c_r + (odd * (s_r - c_r));
        const sk::f32x4 sin4 = (sk::splat<4>(1.0f) - (sk::splat<4>(2.0f) * sk::floor(q * sk::splat<4>(0.5f)))) * sin_t;
        const sk::f32x4 cos4 = (sk::splat<4>(1.0f) - (sk::splat<4>(2.0f) * sk::floor(((q + sk::splat<4>(1.0f)) - (sk::splat<4>(4.0f) * sk::floor((q + sk::splat<4>(1.0f)) * sk::splat<4>(0.25f)))) * sk::splat<4>(0.5f)))) * cos_t;
        q_tile[o + g_1] = ((n * cos4) - (n_1 * sin4)) * 0.125f;
        q_tile[o + g2] = ((n_1 * cos4) + (n * sin4)) * 0.125f;
      } else {
        const sk::f32x4 n_2 = (((q_tile[o + g_1] - mean) * rstd) * norm_params[g_1 + 0u]) + norm_params[g_1 + 16u];
        q_tile[o + g_1] = n_2 * 0.125f;
      }
    }
  }
  for (unsigned r_1 = t; r_1 < 32u; r_1 += 64u) {
    row_max[r_1] = -1e+30f;
    row_sum[r_1] = 0.0f;
    unsigned word = 0u;
    for (unsigned s = 0u; s < 3u; s += 1u) {
      const int v_1 = x6[(b * 9u) + (s * 3u)];
      const int kind = v_1;
      const int v_2 = x6[((b * 9u) + (s * 3u)) + 1u];
      const int v_3 = x6[((b * 9u) + (s * 3u)) + 2u];
      const bool in = ((sk::add(sk::to_i32(row0 + r_1), 0)) >= v_2) && ((sk::add(sk::to_i32(row0 + r_1), 0)) < v_3);
      word = word | (in ? (kind == 1 ? 1u : (kind == 3 ? 2u : (kind == 4 ? 4u : (kind == 2 ? sk::shl(1u, s + 3u) : 0u)))) : 0u);
    }
    q_mask[r_1] = word;
  }
  __syncthreads();
  const unsigned sr0 = (t / 8u) * 4u;
  const unsigned sk0 = (t % 8u) * 4u;
  const unsigned or0 = (t / 8u) * 4u;
  const unsigned oc = t % 8u;
  const unsigned oc_1 = (t % 8u) + 8u;
  sk::f32x4 acc = sk::splat<4>(0.0f);
  sk::f32x4 acc_1 = sk::splat<4>(0.0f);
  sk::f32x4 acc_2 = sk::splat<4>(0.0f);
  sk::f32x4 acc_3 = sk::splat<4>(0.0f);
  sk::f32x4 acc_4 = sk::splat<4>(0.0f);
  sk::f32x4 acc_5 = sk::splat<4>(0.0f);
  sk::f32x4 acc_6 = sk::splat<4>(0.0f);
  sk::f32x4 acc_7 = sk::splat<4>(0.0f);
  const int pos_q = sk::add(sk::to_i32(row0 + (sr0 + 0u)), 0);
  const int pos_q_1 = sk::add(sk::to_i32(row0 + (sr0 + 1u)), 0);
  const int pos_q_2 = sk::add(sk::to_i32(row0 + (sr0 + 2u)), 0);
  const int pos_q_3 = sk::add(sk::to_i32(row0 + (sr0 + 3u)), 0);
  const unsigned q_word = q_mask[sr0 + 0u];
  const unsigned q_word_1 = q_mask[sr0 + 1u];
  const unsigned q_word_2 = q_mask[sr0 + 2u];
  const unsigned q_word_3 = q_mask[sr0 + 3u];
  for (unsigned c0 = 0u; c0 < 37u; c0 += 32u) {
    const unsigned n_3 = sk::min(32u, 37u - c0);
    for (unsigned r_2 = t; r_2 < 32u; r_2 += 64u) {
      const unsigned j_1 = sk::min(c0 + r_2, 36u);
      const unsigned o_1 = r_2 * 16u;
      const sk::f32x4 shift_1 = sk::splat<4>(x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 0u].x);
      sk::f32x4 sum_1 = sk::splat<4>(0.0f);
      sk::f32x4 sq_1 = sk::splat<4>(0.0f);
      for (unsigned g_2 = 0u; g_2 < params.head_groups; g_2 += 1u) {
        const sk::f32x4 x_2 = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + g_2];
        k_tile[o_1 + g_2] = x_2;
        const sk::f32x4 c_1 = x_2 - shift_1;
        sum_1 = sum_1 + c_1;
        sq_1 = sq_1 + (c_1 * c_1);
      }
      const float m1_1 = ((sum_1.x + sum_1.y) + (sum_1.z + sum_1.w)) * 0.015625f;
      const float var_2 = fmaxf((((sq_1.x + sq_1.y) + (sq_1.z + sq_1.w)) * 0.015625f) - (m1_1 * m1_1), 0.0f);
      const sk::f32x4 mean_1 = sk::splat<4>(m1_1 + shift_1.x);
      const sk::f32x4 rstd_1 = sk::splat<4>(rsqrtf(var_2 + 1e-5f));
      const int v_4 = x5[sk::min(c0 + r_2, 36u)];
      const float p_1 = sk::to_f32(v_4);
      for (unsigned x_3 = 0u; x_3 < params.norm_items; x_3 += 1u) {
        const unsigned g_3 = (x_3 < 4u ? x_3 : x_3 + 4u);
        if (x_3 < 4u) {
          const unsigned g2_1 = g_3 + 4u;
          const sk::f32x4 n_4 = (((k_tile[o_1 + g_3] - mean_1) * rstd_1) * norm_params[g_3 + 32u]) + norm_params[g_3 + 48u];
          const sk::f32x4 n_5 = (((k_tile[o_1 + g2_1] - mean_1) * rstd_1) * norm_params[g2_1 + 32u]) + norm_params[g2_1 + 48u];
          const sk::f32x4 quadrant_1 = sk::round((inv_freq[g_3] * p_1) * sk::splat<4>(0.63661975f));
          const sk::f32x4 red_1 = (((inv_freq[g_3] * p_1) - (quadrant_1 * sk::splat<4>(1.5703125f))) - (quadrant_1 * sk::splat<4>(0.0004837513f))) - (quadrant_1 * sk::splat<4>(7.54979e-8f));
          const sk::f32x4 z_1 = red_1 * red_1;
          const sk::f32x4 s_r_1 = sk::fma(red_1 * z_1, sk::fma(z_1, sk::fma(z_1, sk::splat<4>(-0.00019515296f), sk::splat<4>(0.008332161f)), sk::splat<4>(-0.16666655f)), red_1);
          const sk::f32x4 c_r_1 = sk::fma(z_1 * z_1, sk::fma(z_1, sk::fma(z_1, sk::splat<4>(2.4433157e-5f), sk::splat<4>(-0.0013887316f)), sk::splat<4>(0.041666646f)), sk::fma(z_1, sk::splat<4>(-0.5f), sk::splat<4>(1.0f)));
          const sk::f32x4 q_1 = quadrant_1 - (sk::splat<4>(4.0f) * sk::floor(quadrant_1 * sk::splat<4>(0.25f)));
          const sk::f32x4 odd_1 = q_1 - (sk::splat<4>(2.0f) * sk::floor(q_1 * sk::splat<4>(0.5f)));
          const sk::f32x4 sin_t_1 = s_r_1 + (odd_1 * (c_r_1 - s_r_1));
          const sk::f32x4 cos_t_1 = c_r_1 + (odd_1 * (s_r_1 - c_r_1));
          const sk::f32x4 sin4_1 = (sk::splat<4>(1.0f) - (sk::splat<4>(2.0f) * sk::floor(q_1 * sk::splat<4>(0.5f)))) * sin_t_1;
          const sk::f32x4 cos4_1 = (sk::splat<4>(1.0f) - (sk::splat<4>(2.0f) * sk::floor(((q_1 + sk::splat<4>(1.0f)) - (sk::splat<4>(4.0f) * sk::floor((q_1 + sk::splat<4>(1.0f)) * sk::splat<4>(0.25f)))) * sk::splat<4>(0.5f)))) * cos_t_1;
          k_tile[o_1 + g_3] = ((n_4 * cos4_1) - (n_5 * sin4_1)) * 1.0f;
          k_tile[o_1 + g2_1] = ((n_5 * cos4_1) + (n_4 * sin4_1)) * 1.0f;
        } else {
          const sk::f32x4 n_6 = (((k_tile[o_1 + g_3] - mean_1) * rstd_1) * norm_params[g_3 + 32u]) + norm_params[g_3 + 48u];
          k_tile[o_1 + g_3] = n_6 * 1.0f;
        }
      }
    }
    for (unsigned e_4 = t; e_4 < 512u; e_4 += 64u) {
      const unsigned j_2 = sk::min(c0 + (e_4 / 16u), 36u);
      v_tile[e_4] = x8_v4[(((((b * 2u) + h) * 37u) + j_2) * 16u) + (e_4 % 16u)];
    }
    for (unsigned r_3 = t; r_3 < 32u; r_3 += 64u) {
      unsigned word_1 = 0u;
      for (unsigned s_1 = 0u; s_1 < 3u; s_1 += 1u) {
        const int v_5 = x6[(b * 9u) + (s_1 * 3u)];
        const int kind_1 = v_5;
        const int v_6 = x6[((b * 9u) + (s_1 * 3u)) + 1u];
        const int v_7 = x6[((b * 9u) + (s_1 * 3u)) + 2u];
        const bool in_1 = (sk::to_i32(c0 + r_3) >= v_6) && (sk::to_i32(c0 + r_3) < v_7);
        word_1 = word_1 | (in_1 ? (kind_1 == 1 ? 1u : (kind_1 == 3 ? 2u : (kind_1 == 4 ? 4u : (kind_1 == 2 ? sk::shl(1u, s_1 + 3u) : 0u)))) : 0u);
      }
      k_mask[r_3] = word_1;
    }
    __syncthreads();
    float s_2 = 0.0f;
    float s_3 = 0.0f;
    float s_4 = 0.0f;
    float s_5 = 0.0f;
    float s_6 = 0.0f;
    float s_7 = 0.0f;
    float s_8 = 0.0f;
    float s_9 = 0.0f;
    float s_10 = 0.0f;
    float s_11 = 0.0f;
    float s_12 = 0.0f;
    float s_13 = 0.0f;
    float s_14 = 0.0f;
    float s_15 = 0.0f;
    float s_16 = 0.0f;
    float s_17 = 0.0f;
    for (unsigned g_4 = 0u; g_4 < params.head_groups; g_4 += 1u) {
      const sk::f32x4 kv = k_tile[((sk0 + 0u) * 16u) + g_4];
      const sk::f32x4 kv_1 = k_tile[((sk0 + 1u) * 16u) + g_4];
      const sk::f32x4 kv_2 = k_tile[((sk0 + 2u) * 16u) + g_4];
      const sk::f32x4 kv_3 = k_tile[((sk0 + 3u) * 16u) + g_4];
      const sk::f32x4 qv = q_tile[((sr0 + 0u) * 16u) + g_4];
      s_2 = fmaf(qv.w, kv.w, fmaf(qv.z, kv.z, fmaf(qv.y, kv.y, fmaf(qv.x, kv.x, s_2))));
      s_3 = fmaf(qv.w, kv_1.w, fmaf(qv.z, kv_1.z, fmaf(qv.y, kv_1.y, fmaf(qv.x, kv_1.x, s_3))));
      s_4 = fmaf(qv.w, kv_2.w, fmaf(qv.z, kv_2.z, fmaf(qv.y, kv_2.y, fmaf(qv.x, kv_2.x, s_4))));
      s_5 = fmaf(qv.w, kv_3.w, fmaf(qv.z, kv_3.z, fmaf(qv.y, kv_3.y, fmaf(qv.x, kv_3.x, s_5))));
      const sk::f32x4 qv_1 = q_tile[((sr0 + 1u) * 16u) + g_4];
      s_6 = fmaf(qv_1.w, kv.w, fmaf(qv_1.z, kv.z, fmaf(qv_1.y, kv.y, fmaf(qv_1.x, kv.x, s_6))));
      s_7 = fmaf(qv_1.w, kv_1.w, fmaf(qv_1.z, kv_1.z, fmaf(qv_1.y, kv_1.y, fmaf(qv_1.x, kv_1.x, s_7))));
      s_8 = fmaf(qv_1.w, kv_2.w, fmaf(qv_1.z, kv_2.z, fmaf(qv_1.y, kv_2.y, fmaf(qv_1.x, kv_2.x, s_8))));
      s_9 = fmaf(qv_1.w, kv_3.w, fmaf(qv_1.z, kv_3.z, fmaf(qv_1.y, kv_3.y, fmaf(qv_1.x, kv_3.x, s_9))));
      const sk::f32x4 qv_2 = q_tile[((sr0 + 2u) * 16u) + g_4];
      s_10 = fmaf(qv_2.w, kv.w, fmaf(qv_2.z, kv.z, fmaf(qv_2.y, kv.y, fmaf(qv_2.x, kv.x, s_10))));
      s_11 = fmaf(qv_2.w, kv_1.w, fmaf(qv_2.z, kv_1.z, fmaf(qv_2.y, kv_1.y, fmaf(qv_2.x, kv_1.x, s_11))));
      s_12 = fmaf(qv_2.w, kv_2.w, fmaf(qv_2.z, kv_2.z, fmaf(qv_2.y, kv_2.y, fmaf(qv_2.x, kv_2.x, s_12))));
      s_13 = fmaf(qv_2.w, kv_3.w, fmaf(qv_2.z, kv_3.z, fmaf(qv_2.y, kv_3.y, fmaf(qv_2.x, kv_3.x, s_13))));
      const sk::f32x4 qv_3 = q_tile[((sr0 + 3u) * 16u) + g_4];
      s_14 = fmaf(qv_3.w, kv.w, fmaf(qv_3.z, kv.z, fmaf(qv_3.y, kv.y, fmaf(qv_3.x, kv.x, s_14))));
      s_15 = fmaf(qv_3.w, kv_1.w, fmaf(qv_3.z, kv_1.z, fmaf(qv_3.y, kv_1.y, fmaf(qv_3.x, kv_1.x, s_15))));
      s_16 = fmaf(qv_3.w, kv_2.w, fmaf(qv_3.z, kv_2.z, fmaf(qv_3.y, kv_2.y, fmaf(qv_3.x, kv_2.x, s_16))));
      s_17 = fmaf(qv_3.w, kv_3.w, fmaf(qv_3.z, kv_3.z, fmaf(qv_3.y, kv_3.y, fmaf(qv_3.x, kv_3.x, s_17))));
    }
    const bool in_chunk = (sk0 + 0u) < n_3;
    const bool in_chunk_1 = (sk0 + 1u) < n_3;
    const bool in_chunk_2 = (sk0 + 2u) < n_3;
    const bool in_chunk_3 = (sk0 + 3u) < n_3;
    const int pos_k = sk::to_i32(c0 + (sk0 + 0u));
    const int pos_k_1 = sk::to_i32(c0 + (sk0 + 1u));
    const int pos_k_2 = sk::to_i32(c0 + (sk0 + 2u));
    const int pos_k_3 = sk::to_i32(c0 + (sk0 + 3u));
    const unsigned k_word = k_mask[sk0 + 0u];
    const unsigned k_word_1 = k_mask[sk0 + 1u];
    const unsigned k_word_2 = k_mask[sk0 + 2u];
    const unsigned k_word_3 = k_mask[sk0 + 3u];
    p_tile[((sr0 + 0u) * 8u) + ((sk0 / 4u) + 0u)] = sk::f32x4{(in_chunk && ((!((((q_word & 4u) != 0u) || ((k_word & 4u) != 0u)) || (((k_word & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((pos_k <= pos_q) || (((k_word >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word & 2u) != 0u))) ? s_2 : -1e+30f), (in_chunk_1 && ((!((((q_word & 4u) != 0u) || ((k_word_1 & 4u) != 0u)) || (((k_word_1 & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((pos_k_1 <= pos_q) || (((k_word_1 >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word_1 & 2u) != 0u))) ? s_3 : -1e+30f), (in_chunk_2 && ((!((((q_word & 4u) != 0u) || ((k_word_2 & 4u) != 0u)) || (((k_word_2 & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((pos_k_2 <= pos_q) || (((k_word_2 >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word_2 & 2u) != 0u))) ? s_4 : -1e+30f), (in_chunk_3 && ((!((((q_word & 4u) != 0u) || ((k_word_3 & 4u) != 0u)) || (((k_word_3 & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((pos_k_3 <= pos_q) || (((k_word_3 >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word_3 & 2u) != 0u))) ? s_5 : -1e+30f)};
    p_tile[((sr0 + 1u) * 8u) + ((sk0 / 4u) + 0u)] = sk::f32x4{(in_chunk && ((!((((q_word_1 & 4u) != 0u) || ((k_word & 4u) != 0u)) || (((k_word & 1u) != 0u) && (!((q_word_1 & 1u) != 0u))))) && (((pos_k <= pos_q_1) || (((k_word >> 3u) & (q_word_1 >> 3u)) != 0u)) || ((k_word & 2u) != 0u))) ? s_6 : -1e+30f), (in_chunk_1 && ((!((((q_word_1 & 4u) != 0u) || ((k_word_1 & 4u) != 0u)) || (((k_word_1 & 1u) != 0u) && (!((q_word_1 & 1u) != 0u))))) && (((pos_k_1 <= pos_q_1) || (((k_word_1 >> 3u) & (q_word_1 >> 3u)) != 0u)) || ((k_word_1 & 2u) != 0u))) ? s_7 : -1e+30f), (in_chunk_2 && ((!((((q_word_1 & 4u) != 0u) || ((k_word_2 & 4u) != 0u)) || (((k_word_2 & 1u) != 0u) && (!((q_word_1 & 1u) != 0u))))) && (((pos_k_2 <= pos_q_1) || (((k_word_2 >> 3u) & (q_word_1 >> 3u)) != 0u)) || ((k_word_2 & 2u) != 0u))) ? s_8 : -1e+30f), (in_chunk_3 && ((!((((q_word_1 & 4u) != 0u) || ((k_word_3 & 4u) != 0u)) || (((k_word_3 & 1u) != 0u) && (!((q_word_1 & 1u) != 0u))))) && (((pos_k_3 <= pos_q_1) || (((k_word_3 >> 3u) & (q_word_1 >> 3u)) != 0u)) || ((k_word_3 & 2u) != 0u))) ? s_9 : -1e+30f)};
    p_tile[((sr0 + 2u) * 8u) + ((sk0 / 4u) + 0u)] = sk::f32x4{(in_chunk && ((!((((q_word_2 & 4u) != 0u) || ((k_word & 4u) != 0u)) || (((k_word & 1u) != 0u) && (!((q_word_2 & 1u) != 0u))))) && (((pos_k <= pos_q_2) || (((k_word >> 3u) & (q_word_2 >> 3u)) != 0u)) || ((k_word & 2u) != 0u))) ? s_10 : -1e+30f), (in_chunk_1 && ((!((((q_word_2 & 4u) != 0u) || ((k_word_1 & 4u) != 0u)) || (((k_word_1 & 1u) != 0u) && (!((q_word_2 & 1u) != 0u))))) && (((pos_k_1 <= pos_q_2) || (((k_word_1 >> 3u) & (q_word_2 >> 3u)) != 0u)) || ((k_word_1 & 2u) != 0u))) ? s_11 : -1e+30f), (in_chunk_2 && ((!((((q_word_2 & 4u) != 0u) || ((k_word_2 & 4u) != 0u)) || (((k_word_2 & 1u) != 0u) && (!((q_word_2 & 1u) != 0u))))) && (((pos_k_2 <= pos_q_2) || (((k_word_2 >> 3u) & (q_word_2 >> 3u)) != 0u)) || ((k_word_2 & 2u) != 0u))) ? s_12 : -1e+30f), (in_chunk_3 && ((!((((q_word_2 & 4u) != 0u) || ((k_word_3 & 4u) != 0u)) || (((k_word_3 & 1u) != 0u) && (!((q_word_2 & 1u) != 0u))))) && (((pos_k_3 <= pos_q_2) || (((k_word_3 >> 3u) & (q_word_2 >> 3u)) != 0u)) || ((k_word_3 & 2u) != 0u))) ? s_13 : -1e+30f)};
    p_tile[((sr0 + 3u) * 8u) + ((sk0 / 4u) + 0u)] = sk::f32x4{(in_chunk && ((!((((q_word_3 & 4u) != 0u) || ((k_word & 4u) != 0u)) || (((k_word & 1u) != 0u) && (!((q_word_3 & 1u) != 0u))))) && (((pos_k <= pos_q_3) || (((k_word >> 3u) & (q_word_3 >> 3u)) != 0u)) || ((k_word & 2u) != 0u))) ? s_14 : -1e+30f), (in_chunk_1 && ((!((((q_word_3 & 4u) != 0u) || ((k_word_1 & 4u) != 0u)) || (((k_word_1 & 1u) != 0u) && (!((q_word_3 & 1u) != 0u))))) && (((pos_k_1 <= pos_q_3) || (((k_word_1 >> 3u) & (q_word_3 >> 3u)) != 0u)) || ((k_word_1 & 2u) != 0u))) ? s_15 : -1e+30f), (in_chunk_2 && ((!((((q_word_3 & 4u) != 0u) || ((k_word_2 & 4u) != 0u)) || (((k_word_2 & 1u) != 0u) && (!((q_word_3 & 1u) != 0u))))) && (((pos_k_2 <= pos_q_3) || (((k_word_2 >> 3u) & (q_word_3 >> 3u)) != 0u)) || ((k_word_2 & 2u) != 0u))) ? s_16 : -1e+30f), (in_chunk_3 && ((!((((q_word_3 & 4u) != 0u) || ((k_word_3 & 4u) != 0u)) || (((k_word_3 & 1u) != 0u) && (!((q_word_3 & 1u) != 0u))))) && (((pos_k_3 <= pos_q_3) || (((k_word_3 >> 3u) & (q_word_3 >> 3u)) != 0u)) || ((k_word_3 & 2u) != 0u))) ? s_17 : -1e+30f)};
    __syncthreads();
    for (unsigned r_4 = t; r_4 < 32u; r_4 += 64u) {
      const unsigned o_2 = r_4 * 8u;
      const float m_old = row_max[r_4];
      float mx = m_old;
      const sk::f32x4 sv = p_tile[o_2 + 0u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv.x, sv.y), fmaxf(sv.z, sv.w)));
      const sk::f32x4 sv_1 = p_tile[o_2 + 1u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_1.x, sv_1.y), fmaxf(sv_1.z, sv_1.w)));
      const sk::f32x4 sv_2 = p_tile[o_2 + 2u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_2.x, sv_2.y), fmaxf(sv_2.z, sv_2.w)));
      const sk::f32x4 sv_3 = p_tile[o_2 + 3u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_3.x, sv_3.y), fmaxf(sv_3.z, sv_3.w)));
      const sk::f32x4 sv_4 = p_tile[o_2 + 4u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_4.x, sv_4.y), fmaxf(sv_4.z, sv_4.w)));
      const sk::f32x4 sv_5 = p_tile[o_2 + 5u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_5.x, sv_5.y), fmaxf(sv_5.z, sv_5.w)));
      const sk::f32x4 sv_6 = p_tile[o_2 + 6u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_6.x, sv_6.y), fmaxf(sv_6.z, sv_6.w)));
      const sk::f32x4 sv_7 = p_tile[o_2 + 7u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_7.x, sv_7.y), fmaxf(sv_7.z, sv_7.w)));
      const float alpha = (m_old > (-5e+29f) ? expf(m_old - mx) : 0.0f);
      sk::f32x4 sum_2 = sk::splat<4>(0.0f);
      const sk::f32x4 sv_8 = p_tile[o_2 + 0u];
      const sk::f32x4 p_2 = sk::f32x4{(sv_8.x <= (-5e+29f) ? 0.0f : expf(sv_8.x - mx)), (sv_8.y <= (-5e+29f) ? 0.0f : expf(sv_8.y - mx)), (sv_8.z <= (-5e+29f) ? 0.0f : expf(sv_8.z - mx)), (sv_8.w <= (-5e+29f) ? 0.0f : expf(sv_8.w - mx))};
      p_tile[o_2 + 0u] = p_2;
      sum_2 = sum_2 + p_2;
      const sk::f32x4 sv_9 = p_tile[o_2 + 1u];
      const sk::f32x4 p_3 = sk::f32x4{(sv_9.x <= (-5e+29f) ? 0.0f : expf(sv_9.x - mx)), (sv_9.y <= (-5e+29f) ? 0.0f : expf(sv_9.y - mx)), (sv_9.z <= (-5e+29f) ? 0.0f : expf(sv_9.z - mx)), (sv_9.w <= (-5e+29f) ? 0.0f : expf(sv_9.w - mx))};
      p_tile[o_2 + 1u] = p_3;
      sum_2 = sum_2 + p_3;
      const sk::f32x4 sv_10 = p_tile[o_2 + 2u];
      const sk::f32x4 p_4 = sk::f32x4{(sv_10.x <= (-5e+29f) ? 0.0f : expf(sv_10.x - mx)), (sv_10.y <= (-5e+29f) ? 0.0f : expf(sv_10.y - mx)), (sv_10.z <= (-5e+29f) ? 0.0f : expf(sv_10.z - mx)), (sv_10.w <= (-5e+29f) ? 0.0f : expf(sv_10.w - mx))};
      p_tile[o_2 + 2u] = p_4;
      sum_2 = sum_2 + p_4;
      const sk::f32x4 sv_11 = p_tile[o_2 + 3u];
      const sk::f32x4 p_5 = sk::f32x4{(sv_11.x <= (-5e+29f) ? 0.0f : expf(sv_11.x - mx)), (sv_11.y <= (-5e+29f) ? 0.0f : expf(sv_11.y - mx)), (sv_11.z <= (-5e+29f) ? 0.0f : expf(sv_11.z - mx)), (sv_11.w <= (-5e+29f) ? 0.0f : expf(sv_11.w - mx))};
      p_tile[o_2 + 3u] = p_5;
      sum_2 = sum_2 + p_5;
      const sk::f32x4 sv_12 = p_tile[o_2 + 4u];
      const sk::f32x4 p_6 = sk::f32x4{(sv_12.x <= (-5e+29f) ? 0.0f : expf(sv_12.x - mx)), (sv_12.y <= (-5e+29f) ? 0.0f : expf(sv_12.y - mx)), (sv_12.z <= (-5e+29f) ? 0.0f : expf(sv_12.z - mx)), (sv_12.w <= (-5e+29f) ? 0.0f : expf(sv_12.w - mx))};
      p_tile[o_2 + 4u] = p_6;
      sum_2 = sum_2 + p_6;
      const sk::f32x4 sv_13 = p_tile[o_2 + 5u];
      const sk::f32x4 p_7 = sk::f32x4{(sv_13.x <= (-5e+29f) ? 0.0f : expf(sv_13.x - mx)), (sv_13.y <= (-5e+29f) ? 0.0f : expf(sv_13.y - mx)), (sv_13.z <= (-5e+29f) ? 0.0f : expf(sv_13.z - mx)), (sv_13.w <= (-5e+29f) ? 0.0f : expf(sv_13.w - mx))};
      p_tile[o_2 + 5u] = p_7;
      sum_2 = sum_2 + p_7;
      const sk::f32x4 sv_14 = p_tile[o_2 + 6u];
      const sk::f32x4 p_8 = sk::f32x4{(sv_14.x <= (-5e+29f) ? 0.0f : expf(sv_14.x - mx)), (sv_14.y <= (-5e+29f) ? 0.0f : expf(sv_14.y - mx)), (sv_14.z <= (-5e+29f) ? 0.0f : expf(sv_14.z - mx)), (sv_14.w <= (-5e+29f) ? 0.0f : expf(sv_14.w - mx))};
      p_tile[o_2 + 6u] = p_8;
      sum_2 = sum_2 + p_8;
      const sk::f32x4 sv_15 = p_tile[o_2 + 7u];
      const sk::f32x4 p_9 = sk::f32x4{(sv_15.x <= (-5e+29f) ? 0.0f : expf(sv_15.x - mx)), (sv_15.y <= (-5e+29f) ? 0.0f : expf(sv_15.y - mx)), (sv_15.z <= (-5e+29f) ? 0.0f : expf(sv_15.z - mx)), (sv_15.w <= (-5e+29f) ? 0.0f : expf(sv_15.w - mx))};
      p_tile[o_2 + 7u] = p_9;
      sum_2 = sum_2 + p_9;
      row_sum[r_4] = fmaf(row_sum[r_4], alpha, (sum_2.x + sum_2.y) + (sum_2.z + sum_2.w));
      row_max[r_4] = mx;
      row_alpha[r_4] = alpha;
    }
    __syncthreads();
    const float alpha_1 = row_alpha[or0 + 0u];
    acc = acc * alpha_1;
    acc_1 = acc_1 * alpha_1;
    const float alpha_2 = row_alpha[or0 + 1u];
    acc_2 = acc_2 * alpha_2;
    acc_3 = acc_3 * alpha_2;
    const float alpha_3 = row_alpha[or0 + 2u];
    acc_4 = acc_4 * alpha_3;
    acc_5 = acc_5 * alpha_3;
    const float alpha_4 = row_alpha[or0 + 3u];
    acc_6 = acc_6 * alpha_4;
    acc_7 = acc_7 * alpha_4;
    for (unsigned kg = 0u; kg < params.key_groups; kg += 1u) {
      const sk::f32x4 pv = p_tile[((or0 + 0u) * 8u) + kg];
      const sk::f32x4 pv_1 = p_tile[((or0 + 1u) * 8u) + kg];
      const sk::f32x4 pv_2 = p_tile[((or0 + 2u) * 8u) + kg];
      const sk::f32x4 pv_3 = p_tile[((or0 + 3u) * 8u) + kg];
      const unsigned vo = ((kg * 4u) + 0u) * 16u;
      const sk::f32x4 vv = v_tile[vo + oc];
      const sk::f32x4 vv_1 = v_tile[vo + oc_1];
      acc = acc + (pv.x * vv);
      acc_1 = acc_1 + (pv.x * vv_1);
      acc_2 = acc_2 + (pv_1.x * vv);
      acc_3 = acc_3 + (pv_1.x * vv_1);
      acc_4 = acc_4 + (pv_2.x * vv);
      acc_5 = acc_5 + (pv_2.x * vv_1);
      acc_6 = acc_6 + (pv_3.x * vv);
      acc_7 = acc_7 + (pv_3.x * vv_1);
      const unsigned vo_1 = ((kg * 4u) + 1u) * 16u;
      const sk::f32x4 vv_2 = v_tile[vo_1 + oc];
      const sk::f32x4 vv_3 = v_tile[vo_1 + oc_1];
      acc = acc + (pv.y * vv_2);
      acc_1 = acc_1 + (pv.y * vv_3);
      acc_2 = acc_2 + (pv_1.y * vv_2);
      acc_3 = acc_3 + (pv_1.y * vv_3);
      acc_4 = acc_4 + (pv_2.y * vv_2);
      acc_5 = acc_5 + (pv_2.y * vv_3);
      acc_6 = acc_6 + (pv_3.y * vv_2);
      acc_7 = acc_7 + (pv_3.y * vv_3);
      const unsigned vo_2 = ((kg * 4u) + 2u) * 16u;
      const sk::f32x4 vv_4 = v_tile[vo_2 + oc];
      const sk::f32x4 vv_5 = v_tile[vo_2 + oc_1];
      acc = acc + (pv.z * vv_4);
      acc_1 = acc_1 + (pv.z * vv_5);
      acc_2 = acc_2 + (pv_1.z * vv_4);
      acc_3 = acc_3 + (pv_1.z * vv_5);
      acc_4 = acc_4 + (pv_2.z * vv_4);
      acc_5 = acc_5 + (pv_2.z * vv_5);
      acc_6 = acc_6 + (pv_3.z * vv_4);
      acc_7 = acc_7 + (pv_3.z * vv_5);
      const unsigned vo_3 = ((kg * 4u) + 3u) * 16u;
      const sk::f32x4 vv_6 = v_tile[vo_3 + oc];
      const sk::f32x4 vv_7 = v_tile[vo_3 + oc_1];
      acc = acc + (pv.w * vv_6);
      acc_1 = acc_1 + (pv.w * vv_7);
      acc_2 = acc_2 + (pv_1.w * vv_6);
      acc_3 = acc_3 + (pv_1.w * vv_7);
      acc_4 = acc_4 + (pv_2.w * vv_6);
      acc_5 = acc_5 + (pv_2.w * vv_7);
      acc_6 = acc_6 + (pv_3.w * vv_6);
      acc_7 = acc_7 + (pv_3.w * vv_7);
    }
    __syncthreads();
  }
  for (unsigned r_5 = t; r_5 < 32u; r_5 += 64u) {
    const float l = row_sum[r_5];
    const bool empty = l == 0.0f;
    row_alpha[r_5] = (empty ? 0.0f : 1.0f / l);
  }
  __syncthreads();
  const unsigned row = row0 + (or0 + 0u);
  const float inv_l = row_alpha[or0 + 0u];
  const bool empty_1 = inv_l == 0.0f;
  if (row < 37u) {
    const unsigned o_3 = ((((b * 2u) + h) * 37u) + row) * 64u;
    const sk::f32x4 y = acc * inv_l;
    y9[o_3 + ((oc * 4u) + 0u)] = (empty_1 ? 0.0f : y.x);
    y9[o_3 + ((oc * 4u) + 1u)] = (empty_1 ? 0.0f : y.y);
    y9[o_3 + ((oc * 4u) + 2u)] = (empty_1 ? 0.0f : y.z);
    y9[o_3 + ((oc * 4u) + 3u)] = (empty_1 ? 0.0f : y.w);
    const sk::f32x4 y_1 = acc_1 * inv_l;
    y9[o_3 + ((oc_1 * 4u) + 0u)] = (empty_1 ? 0.0f : y_1.x);
    y9[o_3 + ((oc_1 * 4u) + 1u)] = (empty_1 ? 0.0f : y_1.y);
    y9[o_3 + ((oc_1 * 4u) + 2u)] = (empty_1 ? 0.0f : y_1.z);
    y9[o_3 + ((oc_1 * 4u) + 3u)] = (empty_1 ? 0.0f : y_1.w);
  }
  const unsigned row_1 = row0 + (or0 + 1u);
  const float inv_l_1 = row_alpha[or0 + 1u];
  const bool empty_2 = inv_l_1 == 0.0f;
  if (row_1 < 37u) {
    const unsigned o_4 = ((((b * 2u) + h) * 37u) + row_1) * 64u;
    const sk::f32x4 y_2 = acc_2 * inv_l_1;
    y9[o_4 + ((oc * 4u) + 0u)] = (empty_2 ? 0.0f : y_2.x);
    y9[o_4 + ((oc * 4u) + 1u)] = (empty_2 ? 0.0f : y_2.y);
    y9[o_4 + ((oc * 4u) + 2u)] = (empty_2 ? 0.0f : y_2.z);
    y9[o_4 + ((oc * 4u) + 3u)] = (empty_2 ? 0.0f : y_2.w);
    const sk::f32x4 y_3 = acc_3 * inv_l_1;
    y9[o_4 + ((oc_1 * 4u) + 0u)] = (empty_2 ? 0.0f : y_3.x);
    y9[o_4 + ((oc_1 * 4u) + 1u)] = (empty_2 ? 0.0f : y_3.y);
    y9[o_4 + ((oc_1 * 4u) + 2u)] = (empty_2 ? 0.0f : y_3.z);
    y9[o_4 + ((oc_1 * 4u) + 3u)] = (empty_2 ? 0.0f : y_3.w);
  }
  const unsigned row_2 = row0 + (or0 + 2u);
  const float inv_l_2 = row_alpha[or0 + 2u];
  const bool empty_3 = inv_l_2 == 0.0f;
  if (row_2 < 37u) {
    const unsigned o_5 = ((((b * 2u) + h) * 37u) + row_2) * 64u;
    const sk::f32x4 y_4 = acc_4 * inv_l_2;
    y9[o_5 + ((oc * 4u) + 0u)] = (empty_3 ? 0.0f : y_4.x);
    y9[o_5 + ((oc * 4u) + 1u)] = (empty_3 ? 0.0f : y_4.y);
    y9[o_5 + ((oc * 4u) + 2u)] = (empty_3 ? 0.0f : y_4.z);
    y9[o_5 + ((oc * 4u) + 3u)] = (empty_3 ? 0.0f : y_4.w);
    const sk::f32x4 y_5 = acc_5 * inv_l_2;
    y9[o_5 + ((oc_1 * 4u) + 0u)] = (empty_3 ? 0.0f : y_5.x);
    y9[o_5 + ((oc_1 * 4u) + 1u)] = (empty_3 ? 0.0f : y_5.y);
    y9[o_5 + ((oc_1 * 4u) + 2u)] = (empty_3 ? 0.0f : y_5.z);
    y9[o_5 + ((oc_1 * 4u) + 3u)] = (empty_3 ? 0.0f : y_5.w);
  }
  const unsigned row_3 = row0 + (or0 + 3u);
  const float inv_l_3 = row_alpha[or0 + 3u];
  const bool empty_4 = inv_l_3 == 0.0f;
  if (row_3 < 37u) {
    const unsigned o_6 = ((((b * 2u) + h) * 37u) + row_3) * 64u;
    const sk::f32x4 y_6 = acc_6 * inv_l_3;
    y9[o_6 + ((oc * 4u) + 0u)] = (empty_4 ? 0.0f : y_6.x);
    y9[o_6 + ((oc * 4u) + 1u)] = (empty_4 ? 0.0f : y_6.y);
    y9[o_6 + ((oc * 4u) + 2u)] = (empty_4 ? 0.0f : y_6.z);
    y9[o_6 + ((oc * 4u) + 3u)] = (empty_4 ? 0.0f : y_6.w);
    const sk::f32x4 y_7 = acc_7 * inv_l_3;
    y9[o_6 + ((oc_1 * 4u) + 0u)] = (empty_4 ? 0.0f : y_7.x);
    y9[o_6 + ((oc_1 * 4u) + 1u)] = (empty_4 ? 0.0f : y_7.y);
    y9[o_6 + ((oc_1 * 4u) + 2u)] = (empty_4 ? 0.0f : y_7.z);
    y9[o_6 + ((oc_1 * 4u) + 3u)] = (empty_4 ? 0.0f : y_7.w);
  }
}
