// ---- launch 1 of 2, grid [1]
// label: block_lists i32[1, 2, 6]
// params: {}
// kernel block_lists
// block_lists: segments [1, 3, 3] → i32[1, 2, 6]
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
  if (idx >= 2u) {
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
        const int v = x1[s * 3u];
        const bool used = v != 0;
        const int v_1 = x1[(s * 3u) + 1u];
        cut = (used && ((v_1 > ra) && (v_1 < cut)) ? v_1 : cut);
        const int v_2 = x1[(s * 3u) + 2u];
        cut = (used && ((v_2 > ra) && (v_2 < cut)) ? v_2 : cut);
      }
      const int next = cut;
      bool pad_i = false;
      bool dead_i = false;
      for (unsigned s_1 = 0u; s_1 < 3u; s_1 += 1u) {
        const int v_3 = x1[s_1 * 3u];
        const int kind = v_3;
        const int v_4 = x1[(s_1 * 3u) + 1u];
        const int v_5 = x1[(s_1 * 3u) + 2u];
        const bool in_i = (ra >= v_4) && (ra < v_5);
        pad_i = pad_i || ((kind == 1) && in_i);
        dead_i = dead_i || ((kind == 4) && in_i);
      }
      int ca = c0;
      while (ca < c1) {
        int cut_1 = c1;
        for (unsigned s_2 = 0u; s_2 < 3u; s_2 += 1u) {
          const int v_6 = x1[s_2 * 3u];
          const bool used_1 = v_6 != 0;
          const int v_7 = x1[(s_2 * 3u) + 1u];
          cut_1 = (used_1 && ((v_7 > ca) && (v_7 < cut_1)) ? v_7 : cut_1);
          const int v_8 = x1[(s_2 * 3u) + 2u];
          cut_1 = (used_1 && ((v_8 > ca) && (v_8 < cut_1)) ? v_8 : cut_1);
        }
        const int next_1 = cut_1;
        bool pad_j = false;
        bool dead_j = false;
        bool glob = false;
        bool span = false;
        for (unsigned s_3 = 0u; s_3 < 3u; s_3 += 1u) {
          const int v_9 = x1[s_3 * 3u];
          const int kind_1 = v_9;
          const int v_10 = x1[(s_3 * 3u) + 1u];
          const int v_11 = x1[(s_3 * 3u) + 2u];
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

// ---- launch 2 of 2, grid [4]
// label: attention_qknorm f32[1, 2, 37, 97] (flash 32×32; full and partial lists of 32×32 tiles)
// params: {"head_dim":96,"head_dim_v":96,"rotary_half":10}
// kernel attention_qknorm_flash
// attention_qknorm: q [1, 2, 37, 96], k [1, 2, 37, 96], v [1, 2, 37, 96] → out [1, 2, 37, 96]
// flash (online softmax); one workgroup of 32 per (b, h, query tile); keys in chunks of 32; full and partial lists of 32×32 tiles
// prologue: per-head LayerNorm (eps 0.00001) and rotary (dim 20, base 10000) of q and k tiles

struct attention_qknorm_flash_Params {
  unsigned head_dim;
  unsigned head_dim_v;
  unsigned rotary_half;
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(32) attention_qknorm_flash(
    const float* __restrict__ x0,
    const float* __restrict__ x1,
    const float* __restrict__ x2,
    const int* __restrict__ x3,
    const int* __restrict__ x4,
    const int* __restrict__ x5,
    const float* __restrict__ x6,
    const float* __restrict__ x7,
    const float* __restrict__ x8,
    const float* __restrict__ x9,
    float* __restrict__ y10,
    const attention_qknorm_flash_Params params) {
  __shared__ float k_tile[3072];
  __shared__ float v_tile[3072];
  __shared__ unsigned k_mask[32];
  __shared__ float scores[1024];
  __shared__ float inv_freq[10];
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
  const unsigned i = (qt * 32u) + t;
  const bool live = i < 37u;
  const unsigned iq = sk::min(i, 36u);
  const int pos_q = sk::add(sk::to_i32(iq), 0);
  if (t == 0u) {
    inv_freq[0u] = 1.0f;
    inv_freq[1u] = 0.39810717f;
    inv_freq[2u] = 0.15848932f;
    inv_freq[3u] = 0.063095726f;
    inv_freq[4u] = 0.025118863f;
    inv_freq[5u] = 0.01f;
    inv_freq[6u] = 0.003981071f;
    inv_freq[7u] = 0.0015848933f;
    inv_freq[8u] = 0.00063095725f;
    inv_freq[9u] = 0.00025118855f;
  }
  __syncthreads();
  float q[96] = {};
  for (unsigned d = 0u; d < params.head_dim; d += 1u) {
    const float v = x0[((h * 3552u) + (iq * 96u)) + d];
    q[d] = v;
  }
  float mean = 0.0f;
  for (unsigned d_1 = 0u; d_1 < params.head_dim; d_1 += 1u) {
    mean = mean + q[d_1];
  }
  mean = mean / 96.0f;
  float var_1 = 0.0f;
  for (unsigned d_2 = 0u; d_2 < params.head_dim; d_2 += 1u) {
    const float c = q[d_2] - mean;
    var_1 = fmaf(c, c, var_1);
  }
  const float rstd = rsqrtf((var_1 / 96.0f) + 1e-5f);
  for (unsigned d_3 = 0u; d_3 < params.head_dim; d_3 += 1u) {
    const float v_1 = x1[d_3];
    const float v_2 = x2[d_3];
    q[d_3] = fmaf((q[d_3] - mean) * rstd, v_1, v_2);
  }
  const int v_3 = x3[iq];
  const float p = sk::to_f32(v_3);
  for (unsigned r = 0u; r < params.rotary_half; r += 1u) {
    const float quadrant = rintf((p * inv_freq[r]) * 0.63661975f);
    const float red = (((p * inv_freq[r]) - (quadrant * 1.5703125f)) - (quadrant * 0.0004837513f)) - (quadrant * 7.54979e-8f);
    const float z = red * red;
    const float s_r = fmaf(red * z, fmaf(z, fmaf(z, -0.00019515296f, 0.008332161f), -0.16666655f), red);
    const float c_r = fmaf(z * z, fmaf(z, fmaf(z, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fmaf(z, -0.5f, 1.0f));
    const int q_1 = sk::to_i32(quadrant) & 3;
    const float sin_t = ((q_1 & 1) != 0 ? c_r : s_r);
    const float cos_t = ((q_1 & 1) != 0 ? s_r : c_r);
    const float x1_1 = q[r];
    const float x2_1 = q[r + 10u];
    q[r] = (x1_1 * ((q_1 == 1) || (q_1 == 2) ? -cos_t : cos_t)) - (x2_1 * (q_1 >= 2 ? -sin_t : sin_t));
    q[r + 10u] = (x2_1 * ((q_1 == 1) || (q_1 == 2) ? -cos_t : cos_t)) + (x1_1 * (q_1 >= 2 ? -sin_t : sin_t));
  }
  for (unsigned d_4 = 0u; d_4 < params.head_dim; d_4 += 1u) {
    q[d_4] = q[d_4] * 0.10206208f;
  }
  unsigned word = 0u;
  for (unsigned s = 0u; s < 3u; s += 1u) {
    const int v_4 = x4[s * 3u];
    const int kind = v_4;
    const int v_5 = x4[(s * 3u) + 1u];
    const int v_6 = x4[(s * 3u) + 2u];
    const bool in = (pos_q >= v_5) && (pos_q < v_6);
    word = word | (in ? (kind == 1 ? 1u : (kind == 3 ? 2u : (kind == 4 ? 4u : (kind == 2 ? sk::shl(1u, s + 3u) : 0u)))) : 0u);
  }
  const unsigned q_mask = word;
  float m = -1e+30f;
  float l = 0.0f;
  float acc[96] = {};
  const int v_7 = x5[qt * 6u];
  const unsigned n_partial = sk::to_u32(v_7);
  const int v_8 = x5[(qt * 6u) + 3u];
  const unsigned n_full = sk::to_u32(v_8);
  for (unsigned e = 0u; e < (n_full + n_partial); e += 1u) {
    const bool partial = e >= n_full;
    const int v_9 = x5[(qt * 6u) + (partial ? (e - n_full) + 1u : e + 4u)];
    const unsigned kt = sk::to_u32(v_9);
    const unsigned t0 = kt * 32u;
    const unsigned k0 = sk::max(t0, 27u) - 27u;
    for (unsigned c0 = k0; c0 < sk::min((t0 + 32u) - 27u, 37u); c0 += 32u) {
      const unsigned n = sk::min(32u, sk::min((t0 + 32u) - 27u, 37u) - c0);
      for (unsigned r_1 = t; r_1 < n; r_1 += 32u) {
        const unsigned j = c0 + r_1;
        const unsigned o = r_1 * 96u;
        for (unsigned d_5 = 0u; d_5 < params.head_dim; d_5 += 1u) {
          const float v_10 = x6[((h * 3552u) + (j * 96u)) + d_5];
          k_tile[o + d_5] = v_10;
        }
        float mean_1 = 0.0f;
        for (unsigned d_6 = 0u; d_6 < params.head_dim; d_6 += 1u) {
          mean_1 = mean_1 + k_tile[o + d_6];
        }
        mean_1 = mean_1 / 96.0f;
        float var_2 = 0.0f;
        for (unsigned d_7 = 0u; d_7 < params.head_dim; d_7 += 1u) {
          const float c_1 = k_tile[o + d_7] - mean_1;
          var_2 = fmaf(c_1, c_1, var_2);
        }
        const float rstd_1 = rsqrtf((var_2 / 96.0f) + 1e-5f);
        for (unsigned d_8 = 0u; d_8 < params.head_dim; d_8 += 1u) {
          const float v_11 = x7[d_8];
          const float v_12 = x8[d_8];
          k_tile[o + d_8] = fmaf((k_tile[o + d_8] - mean_1) * rstd_1, v_11, v_12);
        }
      }
      __syncthreads();
      for (unsigned e_1 = t; e_1 < (n * params.rotary_half); e_1 += 32u) {
        const unsigned r_2 = sk::div(e_1, params.rotary_half);
        const unsigned pair = sk::rem(e_1, params.rotary_half);
        const int v_13 = x3[c0 + r_2];
        const float quadrant_1 = rintf((sk::to_f32(v_13) * inv_freq[pair]) * 0.63661975f);
        const float red_1 = (((sk::to_f32(v_13) * inv_freq[pair]) - (quadrant_1 * 1.5703125f)) - (quadrant_1 * 0.0004837513f)) - (quadrant_1 * 7.54979e-8f);
        const float z_1 = red_1 * red_1;
        const float s_r_1 = fmaf(red_1 * z_1, fmaf(z_1, fmaf(z_1, -0.00019515296f, 0.008332161f), -0.16666655f), red_1);
        const float c_r_1 = fmaf(z_1 * z_1, fmaf(z_1, fmaf(z_1, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fmaf(z_1, -0.5f, 1.0f));
        const int q_2 = sk::to_i32(quadrant_1) & 3;
        const float sin_t_1 = ((q_2 & 1) != 0 ? c_r_1 : s_r_1);
        const float cos_t_1 = ((q_2 & 1) != 0 ? s_r_1 : c_r_1);
        const float cs = ((q_2 == 1) || (q_2 == 2) ? -cos_t_1 : cos_t_1);
        const float sn = (q_2 >= 2 ? -sin_t_1 : sin_t_1);
        const unsigned i1 = (r_2 * 96u) + pair;
        const unsigned i2 = (r_2 * 96u) + (pair + 10u);
        const float x1_2 = k_tile[i1];
        const float x2_2 = k_tile[i2];
        k_tile[i1] = (x1_2 * cs) - (x2_2 * sn);
        k_tile[i2] = (x2_2 * cs) + (x1_2 * sn);
      }
      for (unsigned e_2 = t; e_2 < (n * 96u); e_2 += 32u) {
        const float v_14 = x9[((h * 3552u) + ((c0 + (e_2 / 96u)) * 96u)) + (e_2 % 96u)];
        v_tile[e_2] = v_14;
      }
      if (partial) {
        for (unsigned r_3 = t; r_3 < n; r_3 += 32u) {
          unsigned word_1 = 0u;
          for (unsigned s_1 = 0u; s_1 < 3u; s_1 += 1u) {
            const int v_15 = x4[s_1 * 3u];
            const int kind_1 = v_15;
            const int v_16 = x4[(s_1 * 3u) + 1u];
            const int v_17 = x4[(s_1 * 3u) + 2u];
            const bool in_1 = (sk::to_i32(c0 + r_3) >= v_16) && (sk::to_i32(c0 + r_3) < v_17);
            word_1 = word_1 | (in_1 ? (kind_1 == 1 ? 1u : (kind_1 == 3 ? 2u : (kind_1 == 4 ? 4u : (kind_1 == 2 ? sk::shl(1u, s_1 + 3u) : 0u)))) : 0u);
          }
          k_mask[r_3] = word_1;
        }
      }
      __syncthreads();
      const unsigned so = t * 32u;
      float mx = -1e+30f;
      if (partial) {
        for (unsigned jj = 0u; jj < n; jj += 1u) {
          const unsigned ko = jj * 96u;
          float dot = 0.0f;
          for (unsigned d_9 = 0u; d_9 < params.head_dim; d_9 += 1u) {
            dot = fmaf(q[d_9], k_tile[ko + d_9], dot);
          }
          const bool ok = (!((((q_mask & 4u) != 0u) || ((k_mask[jj] & 4u) != 0u)) || (((k_mask[jj] & 1u) != 0u) && (!((q_mask & 1u) != 0u))))) && (((sk::to_i32(c0 + jj) <= pos_q) || (((k_mask[jj] >> 3u) & (q_mask >> 3u)) != 0u)) || ((k_mask[jj] & 2u) != 0u));
          const float s_2 = (ok ? dot : -1e+30f);
          scores[so + jj] = s_2;
          mx = fmaxf(mx, s_2);
        }
      } else {
        for (unsigned jj_1 = 0u; jj_1 < n; jj_1 += 1u) {
          const unsigned ko_1 = jj_1 * 96u;
          float dot_1 = 0.0f;
          for (unsigned d_10 = 0u; d_10 < params.head_dim; d_10 += 1u) {
            dot_1 = fmaf(q[d_10], k_tile[ko_1 + d_10], dot_1);
          }
          const float s_3 = dot_1;
          scores[so + jj_1] = s_3;
          mx = fmaxf(mx, s_3);
        }
      }
      const float m_new = fmaxf(m, mx);
      const float alpha = (m > (-5e+29f) ? expf(m - m_new) : 0.0f);
      l = l * alpha;
      for (unsigned d_11 = 0u; d_11 < params.head_dim_v; d_11 += 1u) {
        acc[d_11] = acc[d_11] * alpha;
      }
      for (unsigned jj_2 = 0u; jj_2 < n; jj_2 += 1u) {
        const float s_4 = scores[so + jj_2];
        const float p_1 = (s_4 <= (-5e+29f) ? 0.0f : expf(s_4 - m_new));
        l = l + p_1;
        const unsigned vo = jj_2 * 96u;
        for (unsigned d_12 = 0u; d_12 < params.head_dim_v; d_12 += 1u) {
          acc[d_12] = fmaf(p_1, v_tile[vo + d_12], acc[d_12]);
        }
      }
      m = m_new;
      __syncthreads();
    }
  }
  const bool empty = l == 0.0f;
  const float inv_l = (empty ? 0.0f : 1.0f / l);
  if (live) {
    const unsigned o_1 = ((((b * 2u) + h) * 37u) + i) * 97u;
    for (unsigned d_13 = 0u; d_13 < params.head_dim_v; d_13 += 1u) {
      y10[o_1 + d_13] = (empty ? 0.0f : acc[d_13] * inv_l);
    }
    y10[o_1 + 96u] = (empty ? -1e+30f : m + logf(l));
  }
}
