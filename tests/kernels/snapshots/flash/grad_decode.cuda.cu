// ---- launch 1 of 4, grid [1]
// label: block_lists i32[2, 1, 6]
// params: {}
// kernel block_lists
// block_lists: segments [2, 3, 3] → i32[2, 1, 6]
// per query tile the key tiles (32×32 tiles of 5×37, key tiles from 5 keys in, causal): [nP, partial…, nF, full…]

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
  const unsigned b = idx;
  const unsigned o = 0u;
  const unsigned base = idx * 6u;
  unsigned n_partial = 0u;
  unsigned n_full = 0u;
  for (unsigned x = 0u; x < 2u; x += 1u) {
    const int r0 = sk::add(sk::to_i32(o * 32u), 32);
    const int r1 = sk::add(sk::to_i32(sk::min((o * 32u) + 32u, 5u)), 32);
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

// ---- launch 2 of 4, grid [2]
// label: attention_grad_q f32[2, 1, 5, 64] (flash backward 32 rows; chunks of 32; lists of 32×32 tiles)
// params: {"head_dim":16,"head_dim_v":16}
// kernel attention_grad_q_flash
// attention_grad_q: q [2, 1, 5, 64], k [2, 1, 37, 64], v [2, 1, 37, 64], out+lse [2, 1, 5, 65], dO [2, 1, 5, 64] → dQ [2, 1, 5, 64]
// flash backward (P from the lse); one workgroup of 32 per (b, h, query tile); keys in chunks of 32; lists of 32×32 tiles

struct attention_grad_q_flash_Params {
  unsigned head_dim;
  unsigned head_dim_v;
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(32) attention_grad_q_flash(
    const int* __restrict__ x0,
    const float* __restrict__ x1,
    const float* __restrict__ x2,
    const float* __restrict__ x3,
    const int* __restrict__ x4,
    const float* __restrict__ x5,
    const float* __restrict__ x6,
    float* __restrict__ y7,
    const attention_grad_q_flash_Params params) {
  __shared__ sk::f32x4 q_rows[544];
  __shared__ sk::f32x4 do_rows[544];
  __shared__ sk::f32x4 k_tile[512];
  __shared__ sk::f32x4 v_tile[512];
  __shared__ unsigned k_word[32];
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  const unsigned t = threadIdx.x;
  const unsigned wg = wg_linear;
  const unsigned ot = 0u;
  const unsigned h = 0u;
  const unsigned b = wg;
  const unsigned r = (ot * 32u) + t;
  const bool live = r < 5u;
  const unsigned rc = sk::min(r, 4u);
  const int pos_q = sk::add(sk::to_i32(rc), 32);
  unsigned word = 0u;
  for (unsigned s = 0u; s < 3u; s += 1u) {
    const int v = x0[(b * 9u) + (s * 3u)];
    const int kind = v;
    const int v_1 = x0[((b * 9u) + (s * 3u)) + 1u];
    const int v_2 = x0[((b * 9u) + (s * 3u)) + 2u];
    const bool in = (pos_q >= v_1) && (pos_q < v_2);
    word = word | (in ? (kind == 1 ? 1u : (kind == 3 ? 2u : (kind == 4 ? 4u : (kind == 2 ? sk::shl(1u, s + 3u) : 0u)))) : 0u);
  }
  const unsigned q_word = word;
  const unsigned q_base = t * 17u;
  for (unsigned d = 0u; d < params.head_dim; d += 1u) {
    const unsigned c0 = d * 4u;
    const float v_3 = x1[((b * 320u) + (rc * 64u)) + c0];
    const float v_4 = x1[((b * 320u) + (rc * 64u)) + (c0 + 1u)];
    const float v_5 = x1[((b * 320u) + (rc * 64u)) + (c0 + 2u)];
    const float v_6 = x1[((b * 320u) + (rc * 64u)) + (c0 + 3u)];
    q_rows[q_base + d] = sk::f32x4{v_3, v_4, v_5, v_6};
  }
  const unsigned do_base = t * 17u;
  for (unsigned d_1 = 0u; d_1 < params.head_dim_v; d_1 += 1u) {
    const unsigned c0_1 = d_1 * 4u;
    const float v_7 = x2[((b * 320u) + (rc * 64u)) + c0_1];
    const float v_8 = x2[((b * 320u) + (rc * 64u)) + (c0_1 + 1u)];
    const float v_9 = x2[((b * 320u) + (rc * 64u)) + (c0_1 + 2u)];
    const float v_10 = x2[((b * 320u) + (rc * 64u)) + (c0_1 + 3u)];
    do_rows[do_base + d_1] = sk::f32x4{v_7, v_8, v_9, v_10};
  }
  const float v_11 = x3[((b * 325u) + (rc * 65u)) + 64u];
  const float lse = v_11;
  sk::f32x4 delta = sk::splat<4>(0.0f);
  for (unsigned c = 0u; c < params.head_dim_v; c += 1u) {
    const unsigned c0_2 = c * 4u;
    const float v_12 = x3[((b * 325u) + (rc * 65u)) + c0_2];
    const float v_13 = x3[((b * 325u) + (rc * 65u)) + (c0_2 + 1u)];
    const float v_14 = x3[((b * 325u) + (rc * 65u)) + (c0_2 + 2u)];
    const float v_15 = x3[((b * 325u) + (rc * 65u)) + (c0_2 + 3u)];
    delta = sk::fma(do_rows[do_base + c], sk::f32x4{v_12, v_13, v_14, v_15}, delta);
  }
  const float delta_row = (delta.x + delta.y) + (delta.z + delta.w);
  sk::f32x4 dq = sk::splat<4>(0.0f);
  sk::f32x4 dq_1 = sk::splat<4>(0.0f);
  sk::f32x4 dq_2 = sk::splat<4>(0.0f);
  sk::f32x4 dq_3 = sk::splat<4>(0.0f);
  sk::f32x4 dq_4 = sk::splat<4>(0.0f);
  sk::f32x4 dq_5 = sk::splat<4>(0.0f);
  sk::f32x4 dq_6 = sk::splat<4>(0.0f);
  sk::f32x4 dq_7 = sk::splat<4>(0.0f);
  sk::f32x4 dq_8 = sk::splat<4>(0.0f);
  sk::f32x4 dq_9 = sk::splat<4>(0.0f);
  sk::f32x4 dq_10 = sk::splat<4>(0.0f);
  sk::f32x4 dq_11 = sk::splat<4>(0.0f);
  sk::f32x4 dq_12 = sk::splat<4>(0.0f);
  sk::f32x4 dq_13 = sk::splat<4>(0.0f);
  sk::f32x4 dq_14 = sk::splat<4>(0.0f);
  sk::f32x4 dq_15 = sk::splat<4>(0.0f);
  const int v_16 = x4[b * 6u];
  const unsigned n_partial = sk::to_u32(v_16);
  const int v_17 = x4[(b * 6u) + 3u];
  const unsigned n_full = sk::to_u32(v_17);
  for (unsigned e = 0u; e < (n_full + n_partial); e += 1u) {
    const bool partial = e >= n_full;
    const int v_18 = x4[(b * 6u) + (partial ? (e - n_full) + 1u : e + 4u)];
    const unsigned x = sk::to_u32(v_18);
    const unsigned t0 = x * 32u;
    const unsigned x0_1 = sk::max(t0, 27u) - 27u;
    for (unsigned c0_3 = x0_1; c0_3 < sk::min((t0 + 32u) - 27u, 37u); c0_3 += 32u) {
      const unsigned n = sk::min(32u, sk::min((t0 + 32u) - 27u, 37u) - c0_3);
      for (unsigned e_1 = t; e_1 < (n * 16u); e_1 += 32u) {
        const unsigned c0_4 = (e_1 % 16u) * 4u;
        const float v_19 = x5[((b * 2368u) + ((c0_3 + (e_1 / 16u)) * 64u)) + c0_4];
        const float v_20 = x5[((b * 2368u) + ((c0_3 + (e_1 / 16u)) * 64u)) + (c0_4 + 1u)];
        const float v_21 = x5[((b * 2368u) + ((c0_3 + (e_1 / 16u)) * 64u)) + (c0_4 + 2u)];
        const float v_22 = x5[((b * 2368u) + ((c0_3 + (e_1 / 16u)) * 64u)) + (c0_4 + 3u)];
        k_tile[e_1] = sk::f32x4{v_19, v_20, v_21, v_22};
      }
      for (unsigned e_2 = t; e_2 < (n * 16u); e_2 += 32u) {
        const unsigned c0_5 = (e_2 % 16u) * 4u;
        const float v_23 = x6[((b * 2368u) + ((c0_3 + (e_2 / 16u)) * 64u)) + c0_5];
        const float v_24 = x6[((b * 2368u) + ((c0_3 + (e_2 / 16u)) * 64u)) + (c0_5 + 1u)];
        const float v_25 = x6[((b * 2368u) + ((c0_3 + (e_2 / 16u)) * 64u)) + (c0_5 + 2u)];
        const float v_26 = x6[((b * 2368u) + ((c0_3 + (e_2 / 16u)) * 64u)) + (c0_5 + 3u)];
        v_tile[e_2] = sk::f32x4{v_23, v_24, v_25, v_26};
      }
      if (partial) {
        for (unsigned jj = t; jj < n; jj += 32u) {
          unsigned word_1 = 0u;
          for (unsigned s_1 = 0u; s_1 < 3u; s_1 += 1u) {
            const int v_27 = x0[(b * 9u) + (s_1 * 3u)];
            const int kind_1 = v_27;
            const int v_28 = x0[((b * 9u) + (s_1 * 3u)) + 1u];
            const int v_29 = x0[((b * 9u) + (s_1 * 3u)) + 2u];
            const bool in_1 = (sk::to_i32(c0_3 + jj) >= v_28) && (sk::to_i32(c0_3 + jj) < v_29);
            word_1 = word_1 | (in_1 ? (kind_1 == 1 ? 1u : (kind_1 == 3 ? 2u : (kind_1 == 4 ? 4u : (kind_1 == 2 ? sk::shl(1u, s_1 + 3u) : 0u)))) : 0u);
          }
          k_word[jj] = word_1;
        }
      }
      __syncthreads();
      if (partial) {
        for (unsigned jj_1 = 0u; jj_1 < n; jj_1 += 1u) {
          const unsigned ko = jj_1 * 16u;
          const unsigned vo = jj_1 * 16u;
          sk::f32x4 dot = sk::splat<4>(0.0f);
          for (unsigned d_2 = 0u; d_2 < params.head_dim; d_2 += 1u) {
            dot = sk::fma(q_rows[q_base + d_2], k_tile[ko + d_2], dot);
          }
          const bool ok = (!((((q_word & 4u) != 0u) || ((k_word[jj_1] & 4u) != 0u)) || (((k_word[jj_1] & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((sk::to_i32(c0_3 + jj_1) <= pos_q) || (((k_word[jj_1] >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word[jj_1] & 2u) != 0u));
          const float p = (ok ? expf((((dot.x + dot.y) + (dot.z + dot.w)) * 0.125f) - lse) : 0.0f);
          sk::f32x4 dp = sk::splat<4>(0.0f);
          for (unsigned c_1 = 0u; c_1 < params.head_dim_v; c_1 += 1u) {
            dp = sk::fma(do_rows[do_base + c_1], v_tile[vo + c_1], dp);
          }
          const sk::f32x4 ds = sk::splat<4>(p * (((dp.x + dp.y) + (dp.z + dp.w)) - delta_row));
          dq = sk::fma(ds, k_tile[ko + 0u], dq);
          dq_1 = sk::fma(ds, k_tile[ko + 1u], dq_1);
          dq_2 = sk::fma(ds, k_tile[ko + 2u], dq_2);
          dq_3 = sk::fma(ds, k_tile[ko + 3u], dq_3);
          dq_4 = sk::fma(ds, k_tile[ko + 4u], dq_4);
          dq_5 = sk::fma(ds, k_tile[ko + 5u], dq_5);
          dq_6 = sk::fma(ds, k_tile[ko + 6u], dq_6);
          dq_7 = sk::fma(ds, k_tile[ko + 7u], dq_7);
          dq_8 = sk::fma(ds, k_tile[ko + 8u], dq_8);
          dq_9 = sk::fma(ds, k_tile[ko + 9u], dq_9);
          dq_10 = sk::fma(ds, k_tile[ko + 10u], dq_10);
          dq_11 = sk::fma(ds, k_tile[ko + 11u], dq_11);
          dq_12 = sk::fma(ds, k_tile[ko + 12u], dq_12);
          dq_13 = sk::fma(ds, k_tile[ko + 13u], dq_13);
          dq_14 = sk::fma(ds, k_tile[ko + 14u], dq_14);
          dq_15 = sk::fma(ds, k_tile[ko + 15u], dq_15);
        }
      } else {
        for (unsigned jj_2 = 0u; jj_2 < n; jj_2 += 1u) {
          const unsigned ko_1 = jj_2 * 16u;
          const unsigned vo_1 = jj_2 * 16u;
          sk::f32x4 dot_1 = sk::splat<4>(0.0f);
          for (unsigned d_3 = 0u; d_3 < params.head_dim; d_3 += 1u) {
            dot_1 = sk::fma(q_rows[q_base + d_3], k_tile[ko_1 + d_3], dot_1);
          }
          const float p_1 = expf((((dot_1.x + dot_1.y) + (dot_1.z + dot_1.w)) * 0.125f) - lse);
          sk::f32x4 dp_1 = sk::splat<4>(0.0f);
          for (unsigned c_2 = 0u; c_2 < params.head_dim_v; c_2 += 1u) {
            dp_1 = sk::fma(do_rows[do_base + c_2], v_tile[vo_1 + c_2], dp_1);
          }
          const sk::f32x4 ds_1 = sk::splat<4>(p_1 * (((dp_1.x + dp_1.y) + (dp_1.z + dp_1.w)) - delta_row));
          dq = sk::fma(ds_1, k_tile[ko_1 + 0u], dq);
          dq_1 = sk::fma(ds_1, k_tile[ko_1 + 1u], dq_1);
          dq_2 = sk::fma(ds_1, k_tile[ko_1 + 2u], dq_2);
          dq_3 = sk::fma(ds_1, k_tile[ko_1 + 3u], dq_3);
          dq_4 = sk::fma(ds_1, k_tile[ko_1 + 4u], dq_4);
          dq_5 = sk::fma(ds_1, k_tile[ko_1 + 5u], dq_5);
          dq_6 = sk::fma(ds_1, k_tile[ko_1 + 6u], dq_6);
          dq_7 = sk::fma(ds_1, k_tile[ko_1 + 7u], dq_7);
          dq_8 = sk::fma(ds_1, k_tile[ko_1 + 8u], dq_8);
          dq_9 = sk::fma(ds_1, k_tile[ko_1 + 9u], dq_9);
          dq_10 = sk::fma(ds_1, k_tile[ko_1 + 10u], dq_10);
          dq_11 = sk::fma(ds_1, k_tile[ko_1 + 11u], dq_11);
          dq_12 = sk::fma(ds_1, k_tile[ko_1 + 12u], dq_12);
          dq_13 = sk::fma(ds_1, k_tile[ko_1 + 13u], dq_13);
          dq_14 = sk::fma(ds_1, k_tile[ko_1 + 14u], dq_14);
          dq_15 = sk::fma(ds_1, k_tile[ko_1 + 15u], dq_15);
        }
      }
      __syncthreads();
    }
  }
  if (live) {
    const unsigned o = (((b + h) * 5u) + r) * 64u;
    y7[o + ((0u * 4u) + 0u)] = (dq * sk::splat<4>(0.125f)).x;
    y7[o + ((0u * 4u) + 1u)] = (dq * sk::splat<4>(0.125f)).y;
    y7[o + ((0u * 4u) + 2u)] = (dq * sk::splat<4>(0.125f)).z;
    y7[o + ((0u * 4u) + 3u)] = (dq * sk::splat<4>(0.125f)).w;
    y7[o + ((1u * 4u) + 0u)] = (dq_1 * sk::splat<4>(0.125f)).x;
    y7[o + ((1u * 4u) + 1u)] = (dq_1 * sk::splat<4>(0.125f)).y;
    y7[o + ((1u * 4u) + 2u)] = (dq_1 * sk::splat<4>(0.125f)).z;
    y7[o + ((1u * 4u) + 3u)] = (dq_1 * sk::splat<4>(0.125f)).w;
    y7[o + ((2u * 4u) + 0u)] = (dq_2 * sk::splat<4>(0.125f)).x;
    y7[o + ((2u * 4u) + 1u)] = (dq_2 * sk::splat<4>(0.125f)).y;
    y7[o + ((2u * 4u) + 2u)] = (dq_2 * sk::splat<4>(0.125f)).z;
    y7[o + ((2u * 4u) + 3u)] = (dq_2 * sk::splat<4>(0.125f)).w;
    y7[o + ((3u * 4u) + 0u)] = (dq_3 * sk::splat<4>(0.125f)).x;
    y7[o + ((3u * 4u) + 1u)] = (dq_3 * sk::splat<4>(0.125f)).y;
    y7[o + ((3u * 4u) + 2u)] = (dq_3 * sk::splat<4>(0.125f)).z;
    y7[o + ((3u * 4u) + 3u)] = (dq_3 * sk::splat<4>(0.125f)).w;
    y7[o + ((4u * 4u) + 0u)] = (dq_4 * sk::splat<4>(0.125f)).x;
    y7[o + ((4u * 4u) + 1u)] = (dq_4 * sk::splat<4>(0.125f)).y;
    y7[o + ((4u * 4u) + 2u)] = (dq_4 * sk::splat<4>(0.125f)).z;
    y7[o + ((4u * 4u) + 3u)] = (dq_4 * sk::splat<4>(0.125f)).w;
    y7[o + ((5u * 4u) + 0u)] = (dq_5 * sk::splat<4>(0.125f)).x;
    y7[o + ((5u * 4u) + 1u)] = (dq_5 * sk::splat<4>(0.125f)).y;
    y7[o + ((5u * 4u) + 2u)] = (dq_5 * sk::splat<4>(0.125f)).z;
    y7[o + ((5u * 4u) + 3u)] = (dq_5 * sk::splat<4>(0.125f)).w;
    y7[o + ((6u * 4u) + 0u)] = (dq_6 * sk::splat<4>(0.125f)).x;
    y7[o + ((6u * 4u) + 1u)] = (dq_6 * sk::splat<4>(0.125f)).y;
    y7[o + ((6u * 4u) + 2u)] = (dq_6 * sk::splat<4>(0.125f)).z;
    y7[o + ((6u * 4u) + 3u)] = (dq_6 * sk::splat<4>(0.125f)).w;
    y7[o + ((7u * 4u) + 0u)] = (dq_7 * sk::splat<4>(0.125f)).x;
    y7[o + ((7u * 4u) + 1u)] = (dq_7 * sk::splat<4>(0.125f)).y;
    y7[o + ((7u * 4u) + 2u)] = (dq_7 * sk::splat<4>(0.125f)).z;
    y7[o + ((7u * 4u) + 3u)] = (dq_7 * sk::splat<4>(0.125f)).w;
    y7[o + ((8u * 4u) + 0u)] = (dq_8 * sk::splat<4>(0.125f)).x;
    y7[o + ((8u * 4u) + 1u)] = (dq_8 * sk::splat<4>(0.125f)).y;
    y7[o + ((8u * 4u) + 2u)] = (dq_8 * sk::splat<4>(0.125f)).z;
    y7[o + ((8u * 4u) + 3u)] = (dq_8 * sk::splat<4>(0.125f)).w;
    y7[o + ((9u * 4u) + 0u)] = (dq_9 * sk::splat<4>(0.125f)).x;
    y7[o + ((9u * 4u) + 1u)] = (dq_9 * sk::splat<4>(0.125f)).y;
    y7[o + ((9u * 4u) + 2u)] = (dq_9 * sk::splat<4>(0.125f)).z;
    y7[o + ((9u * 4u) + 3u)] = (dq_9 * sk::splat<4>(0.125f)).w;
    y7[o + ((10u * 4u) + 0u)] = (dq_10 * sk::splat<4>(0.125f)).x;
    y7[o + ((10u * 4u) + 1u)] = (dq_10 * sk::splat<4>(0.125f)).y;
    y7[o + ((10u * 4u) + 2u)] = (dq_10 * sk::splat<4>(0.125f)).z;
    y7[o + ((10u * 4u) + 3u)] = (dq_10 * sk::splat<4>(0.125f)).w;
    y7[o + ((11u * 4u) + 0u)] = (dq_11 * sk::splat<4>(0.125f)).x;
    y7[o + ((11u * 4u) + 1u)] = (dq_11 * sk::splat<4>(0.125f)).y;
    y7[o + ((11u * 4u) + 2u)] = (dq_11 * sk::splat<4>(0.125f)).z;
    y7[o + ((11u * 4u) + 3u)] = (dq_11 * sk::splat<4>(0.125f)).w;
    y7[o + ((12u * 4u) + 0u)] = (dq_12 * sk::splat<4>(0.125f)).x;
    y7[o + ((12u * 4u) + 1u)] = (dq_12 * sk::splat<4>(0.125f)).y;
    y7[o + ((12u * 4u) + 2u)] = (dq_12 * sk::splat<4>(0.125f)).z;
    y7[o + ((12u * 4u) + 3u)] = (dq_12 * sk::splat<4>(0.125f)).w;
    y7[o + ((13u * 4u) + 0u)] = (dq_13 * sk::splat<4>(0.125f)).x;
    y7[o + ((13u * 4u) + 1u)] = (dq_13 * sk::splat<4>(0.125f)).y;
    y7[o + ((13u * 4u) + 2u)] = (dq_13 * sk::splat<4>(0.125f)).z;
    y7[o + ((13u * 4u) + 3u)] = (dq_13 * sk::splat<4>(0.125f)).w;
    y7[o + ((14u * 4u) + 0u)] = (dq_14 * sk::splat<4>(0.125f)).x;
    y7[o + ((14u * 4u) + 1u)] = (dq_14 * sk::splat<4>(0.125f)).y;
    y7[o + ((14u * 4u) + 2u)] = (dq_14 * sk::splat<4>(0.125f)).z;
    y7[o + ((14u * 4u) + 3u)] = (dq_14 * sk::splat<4>(0.125f)).w;
    y7[o + ((15u * 4u) + 0u)] = (dq_15 * sk::splat<4>(0.125f)).x;
    y7[o + ((15u * 4u) + 1u)] = (dq_15 * sk::splat<4>(0.125f)).y;
    y7[o + ((15u * 4u) + 2u)] = (dq_15 * sk::splat<4>(0.125f)).z;
    y7[o + ((15u * 4u) + 3u)] = (dq_15 * sk::splat<4>(0.125f)).w;
  }
}

// ---- launch 3 of 4, grid [1]
// label: block_lists i32[2, 2, 4] (transposed)
// params: {}
// kernel block_lists
// block_lists: segments [2, 3, 3] → i32[2, 2, 4]
// per key tile the query tiles (32×32 tiles of 5×37, causal): [nP, partial…, nF, full…]

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
  const unsigned base = idx * 4u;
  unsigned n_partial = 0u;
  unsigned n_full = 0u;
  for (unsigned x = 0u; x < 1u; x += 1u) {
    const int r0 = sk::add(sk::to_i32(x * 32u), 32);
    const int r1 = sk::add(sk::to_i32(sk::min((x * 32u) + 32u, 5u)), 32);
    const int c0 = sk::to_i32(sk::max(o * 32u, 0u) - 0u);
    const int c1 = sk::to_i32(sk::min(((o * 32u) + 32u) - 0u, 37u));
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
      y0[base + (n_full + 3u)] = sk::to_i32(x);
      n_full = n_full + 1u;
    } else {
      if (!none) {
        y0[base + (n_partial + 1u)] = sk::to_i32(x);
        n_partial = n_partial + 1u;
      }
    }
  }
  y0[base] = sk::to_i32(n_partial);
  y0[base + 2u] = sk::to_i32(n_full);
  for (unsigned e = n_partial; e < 1u; e += 1u) {
    y0[base + (e + 1u)] = 0;
  }
  for (unsigned e_1 = n_full; e_1 < 1u; e_1 += 1u) {
    y0[base + (e_1 + 3u)] = 0;
  }
}

// ---- launch 4 of 4, grid [4]
// label: attention_grad_kv f32[2, 1, 37, 128] (flash backward 32 rows; chunks of 32; transposed lists of 32×32 tiles)
// params: {"head_dim":16,"head_dim_v":16}
// kernel attention_grad_kv_flash
// attention_grad_kv: q [2, 1, 5, 64], k [2, 1, 37, 64], v [2, 1, 37, 64], out+lse [2, 1, 5, 65], dO [2, 1, 5, 64] → dK|dV [2, 1, 37, 128]
// flash backward (P from the lse); one workgroup of 32 per (b, h, key tile); queries in chunks of 32; transposed lists of 32×32 tiles

struct attention_grad_kv_flash_Params {
  unsigned head_dim;
  unsigned head_dim_v;
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(32) attention_grad_kv_flash(
    const int* __restrict__ x0,
    const float* __restrict__ x1,
    const float* __restrict__ x2,
    const int* __restrict__ x3,
    const float* __restrict__ x4,
    const float* __restrict__ x5,
    const float* __restrict__ x6,
    float* __restrict__ y7,
    const attention_grad_kv_flash_Params params) {
  __shared__ sk::f32x4 k_rows[544];
  __shared__ sk::f32x4 v_rows[544];
  __shared__ sk::f32x4 q_tile[512];
  __shared__ sk::f32x4 do_tile[512];
  __shared__ float lse_tile[32];
  __shared__ float delta_tile[32];
  __shared__ unsigned q_word[32];
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  const unsigned t = threadIdx.x;
  const unsigned wg = wg_linear;
  const unsigned ot = wg % 2u;
  const unsigned h = 0u;
  const unsigned b = wg / 2u;
  const unsigned r = (ot * 32u) + t;
  const bool live = r < 37u;
  const unsigned rc = sk::min(r, 36u);
  const int pos_k = sk::to_i32(rc);
  unsigned word = 0u;
  for (unsigned s = 0u; s < 3u; s += 1u) {
    const int v = x0[(b * 9u) + (s * 3u)];
    const int kind = v;
    const int v_1 = x0[((b * 9u) + (s * 3u)) + 1u];
    const int v_2 = x0[((b * 9u) + (s * 3u)) + 2u];
    const bool in = (pos_k >= v_1) && (pos_k < v_2);
    word = word | (in ? (kind == 1 ? 1u : (kind == 3 ? 2u : (kind == 4 ? 4u : (kind == 2 ? sk::shl(1u, s + 3u) : 0u)))) : 0u);
  }
  const unsigned k_word = word;
  const unsigned k_base = t * 17u;
  const unsigned v_base = t * 17u;
  for (unsigned d = 0u; d < params.head_dim; d += 1u) {
    const unsigned c0 = d * 4u;
    const float v_3 = x1[((b * 2368u) + (rc * 64u)) + c0];
    const float v_4 = x1[((b * 2368u) + (rc * 64u)) + (c0 + 1u)];
    const float v_5 = x1[((b * 2368u) + (rc * 64u)) + (c0 + 2u)];
    const float v_6 = x1[((b * 2368u) + (rc * 64u)) + (c0 + 3u)];
    k_rows[k_base + d] = sk::f32x4{v_3, v_4, v_5, v_6};
  }
  for (unsigned d_1 = 0u; d_1 < params.head_dim_v; d_1 += 1u) {
    const unsigned c0_1 = d_1 * 4u;
    const float v_7 = x2[((b * 2368u) + (rc * 64u)) + c0_1];
    const float v_8 = x2[((b * 2368u) + (rc * 64u)) + (c0_1 + 1u)];
    const float v_9 = x2[((b * 2368u) + (rc * 64u)) + (c0_1 + 2u)];
    const float v_10 = x2[((b * 2368u) + (rc * 64u)) + (c0_1 + 3u)];
    v_rows[v_base + d_1] = sk::f32x4{v_7, v_8, v_9, v_10};
  }
  sk::f32x4 dk = sk::splat<4>(0.0f);
  sk::f32x4 dk_1 = sk::splat<4>(0.0f);
  sk::f32x4 dk_2 = sk::splat<4>(0.0f);
  sk::f32x4 dk_3 = sk::splat<4>(0.0f);
  sk::f32x4 dk_4 = sk::splat<4>(0.0f);
  sk::f32x4 dk_5 = sk::splat<4>(0.0f);
  sk::f32x4 dk_6 = sk::splat<4>(0.0f);
  sk::f32x4 dk_7 = sk::splat<4>(0.0f);
  sk::f32x4 dk_8 = sk::splat<4>(0.0f);
  sk::f32x4 dk_9 = sk::splat<4>(0.0f);
  sk::f32x4 dk_10 = sk::splat<4>(0.0f);
  sk::f32x4 dk_11 = sk::splat<4>(0.0f);
  sk::f32x4 dk_12 = sk::splat<4>(0.0f);
  sk::f32x4 dk_13 = sk::splat<4>(0.0f);
  sk::f32x4 dk_14 = sk::splat<4>(0.0f);
  sk::f32x4 dk_15 = sk::splat<4>(0.0f);
  sk::f32x4 dv = sk::splat<4>(0.0f);
  sk::f32x4 dv_1 = sk::splat<4>(0.0f);
  sk::f32x4 dv_2 = sk::splat<4>(0.0f);
  sk::f32x4 dv_3 = sk::splat<4>(0.0f);
  sk::f32x4 dv_4 = sk::splat<4>(0.0f);
  sk::f32x4 dv_5 = sk::splat<4>(0.0f);
  sk::f32x4 dv_6 = sk::splat<4>(0.0f);
  sk::f32x4 dv_7 = sk::splat<4>(0.0f);
  sk::f32x4 dv_8 = sk::splat<4>(0.0f);
  sk::f32x4 dv_9 = sk::splat<4>(0.0f);
  sk::f32x4 dv_10 = sk::splat<4>(0.0f);
  sk::f32x4 dv_11 = sk::splat<4>(0.0f);
  sk::f32x4 dv_12 = sk::splat<4>(0.0f);
  sk::f32x4 dv_13 = sk::splat<4>(0.0f);
  sk::f32x4 dv_14 = sk::splat<4>(0.0f);
  sk::f32x4 dv_15 = sk::splat<4>(0.0f);
  const int v_11 = x3[(b * 8u) + (ot * 4u)];
  const unsigned n_partial = sk::to_u32(v_11);
  const int v_12 = x3[((b * 8u) + (ot * 4u)) + 2u];
  const unsigned n_full = sk::to_u32(v_12);
  for (unsigned e = 0u; e < (n_full + n_partial); e += 1u) {
    const bool partial = e >= n_full;
    const int v_13 = x3[((b * 8u) + (ot * 4u)) + (partial ? (e - n_full) + 1u : e + 3u)];
    const unsigned x = sk::to_u32(v_13);
    const unsigned t0 = x * 32u;
    for (unsigned c0_2 = t0; c0_2 < sk::min((t0 + 32u) - 0u, 5u); c0_2 += 32u) {
      const unsigned n = sk::min(32u, sk::min((t0 + 32u) - 0u, 5u) - c0_2);
      for (unsigned e_1 = t; e_1 < (n * 16u); e_1 += 32u) {
        const unsigned c0_3 = (e_1 % 16u) * 4u;
        const float v_14 = x4[((b * 320u) + ((c0_2 + (e_1 / 16u)) * 64u)) + c0_3];
        const float v_15 = x4[((b * 320u) + ((c0_2 + (e_1 / 16u)) * 64u)) + (c0_3 + 1u)];
        const float v_16 = x4[((b * 320u) + ((c0_2 + (e_1 / 16u)) * 64u)) + (c0_3 + 2u)];
        const float v_17 = x4[((b * 320u) + ((c0_2 + (e_1 / 16u)) * 64u)) + (c0_3 + 3u)];
        q_tile[e_1] = sk::f32x4{v_14, v_15, v_16, v_17};
      }
      for (unsigned e_2 = t; e_2 < (n * 16u); e_2 += 32u) {
        const unsigned c0_4 = (e_2 % 16u) * 4u;
        const float v_18 = x5[((b * 320u) + ((c0_2 + (e_2 / 16u)) * 64u)) + c0_4];
        const float v_19 = x5[((b * 320u) + ((c0_2 + (e_2 / 16u)) * 64u)) + (c0_4 + 1u)];
        const float v_20 = x5[((b * 320u) + ((c0_2 + (e_2 / 16u)) * 64u)) + (c0_4 + 2u)];
        const float v_21 = x5[((b * 320u) + ((c0_2 + (e_2 / 16u)) * 64u)) + (c0_4 + 3u)];
        do_tile[e_2] = sk::f32x4{v_18, v_19, v_20, v_21};
      }
      __syncthreads();
      for (unsigned ii = t; ii < n; ii += 32u) {
        const unsigned i = c0_2 + ii;
        const float v_22 = x6[((b * 325u) + (i * 65u)) + 64u];
        lse_tile[ii] = v_22;
        sk::f32x4 delta = sk::splat<4>(0.0f);
        for (unsigned c = 0u; c < params.head_dim_v; c += 1u) {
          const unsigned c0_5 = c * 4u;
          const float v_23 = x6[((b * 325u) + (i * 65u)) + c0_5];
          const float v_24 = x6[((b * 325u) + (i * 65u)) + (c0_5 + 1u)];
          const float v_25 = x6[((b * 325u) + (i * 65u)) + (c0_5 + 2u)];
          const float v_26 = x6[((b * 325u) + (i * 65u)) + (c0_5 + 3u)];
          delta = sk::fma(do_tile[(ii * 16u) + c], sk::f32x4{v_23, v_24, v_25, v_26}, delta);
        }
        delta_tile[ii] = (delta.x + delta.y) + (delta.z + delta.w);
        unsigned word_1 = 0u;
        for (unsigned s_1 = 0u; s_1 < 3u; s_1 += 1u) {
          const int v_27 = x0[(b * 9u) + (s_1 * 3u)];
          const int kind_1 = v_27;
          const int v_28 = x0[((b * 9u) + (s_1 * 3u)) + 1u];
          const int v_29 = x0[((b * 9u) + (s_1 * 3u)) + 2u];
          const bool in_1 = ((sk::add(sk::to_i32(i), 32)) >= v_28) && ((sk::add(sk::to_i32(i), 32)) < v_29);
          word_1 = word_1 | (in_1 ? (kind_1 == 1 ? 1u : (kind_1 == 3 ? 2u : (kind_1 == 4 ? 4u : (kind_1 == 2 ? sk::shl(1u, s_1 + 3u) : 0u)))) : 0u);
        }
        q_word[ii] = word_1;
      }
      __syncthreads();
      if (partial) {
        for (unsigned ii_1 = 0u; ii_1 < n; ii_1 += 1u) {
          const unsigned qo = ii_1 * 16u;
          const unsigned go = ii_1 * 16u;
          sk::f32x4 dot = sk::splat<4>(0.0f);
          for (unsigned d_2 = 0u; d_2 < params.head_dim; d_2 += 1u) {
            dot = sk::fma(q_tile[qo + d_2], k_rows[k_base + d_2], dot);
          }
          const bool ok = (!((((q_word[ii_1] & 4u) != 0u) || ((k_word & 4u) != 0u)) || (((k_word & 1u) != 0u) && (!((q_word[ii_1] & 1u) != 0u))))) && (((pos_k <= (sk::add(sk::to_i32(c0_2 + ii_1), 32))) || (((k_word >> 3u) & (q_word[ii_1] >> 3u)) != 0u)) || ((k_word & 2u) != 0u));
          const float p = (ok ? expf((((dot.x + dot.y) + (dot.z + dot.w)) * 0.125f) - lse_tile[ii_1]) : 0.0f);
          sk::f32x4 dp = sk::splat<4>(0.0f);
          for (unsigned c_1 = 0u; c_1 < params.head_dim_v; c_1 += 1u) {
            dp = sk::fma(do_tile[go + c_1], v_rows[v_base + c_1], dp);
          }
          const sk::f32x4 pv = sk::splat<4>(p);
          dv = sk::fma(pv, do_tile[go + 0u], dv);
          dv_1 = sk::fma(pv, do_tile[go + 1u], dv_1);
          dv_2 = sk::fma(pv, do_tile[go + 2u], dv_2);
          dv_3 = sk::fma(pv, do_tile[go + 3u], dv_3);
          dv_4 = sk::fma(pv, do_tile[go + 4u], dv_4);
          dv_5 = sk::fma(pv, do_tile[go + 5u], dv_5);
          dv_6 = sk::fma(pv, do_tile[go + 6u], dv_6);
          dv_7 = sk::fma(pv, do_tile[go + 7u], dv_7);
          dv_8 = sk::fma(pv, do_tile[go + 8u], dv_8);
          dv_9 = sk::fma(pv, do_tile[go + 9u], dv_9);
          dv_10 = sk::fma(pv, do_tile[go + 10u], dv_10);
          dv_11 = sk::fma(pv, do_tile[go + 11u], dv_11);
          dv_12 = sk::fma(pv, do_tile[go + 12u], dv_12);
          dv_13 = sk::fma(pv, do_tile[go + 13u], dv_13);
          dv_14 = sk::fma(pv, do_tile[go + 14u], dv_14);
          dv_15 = sk::fma(pv, do_tile[go + 15u], dv_15);
          const sk::f32x4 ds = sk::splat<4>(p * (((dp.x + dp.y) + (dp.z + dp.w)) - delta_tile[ii_1]));
          dk = sk::fma(ds, q_tile[qo + 0u], dk);
          dk_1 = sk::fma(ds, q_tile[qo + 1u], dk_1);
          dk_2 = sk::fma(ds, q_tile[qo + 2u], dk_2);
          dk_3 = sk::fma(ds, q_tile[qo + 3u], dk_3);
          dk_4 = sk::fma(ds, q_tile[qo + 4u], dk_4);
          dk_5 = sk::fma(ds, q_tile[qo + 5u], dk_5);
          dk_6 = sk::fma(ds, q_tile[qo + 6u], dk_6);
          dk_7 = sk::fma(ds, q_tile[qo + 7u], dk_7);
          dk_8 = sk::fma(ds, q_tile[qo + 8u], dk_8);
          dk_9 = sk::fma(ds, q_tile[qo + 9u], dk_9);
          dk_10 = sk::fma(ds, q_tile[qo + 10u], dk_10);
          dk_11 = sk::fma(ds, q_tile[qo + 11u], dk_11);
          dk_12 = sk::fma(ds, q_tile[qo + 12u], dk_12);
          dk_13 = sk::fma(ds, q_tile[qo + 13u], dk_13);
          dk_14 = sk::fma(ds, q_tile[qo + 14u], dk_14);
          dk_15 = sk::fma(ds, q_tile[qo + 15u], dk_15);
        }
      } else {
        for (unsigned ii_2 = 0u; ii_2 < n; ii_2 += 1u) {
          const unsigned qo_1 = ii_2 * 16u;
          const unsigned go_1 = ii_2 * 16u;
          sk::f32x4 dot_1 = sk::splat<4>(0.0f);
          for (unsigned d_3 = 0u; d_3 < params.head_dim; d_3 += 1u) {
            dot_1 = sk::fma(q_tile[qo_1 + d_3], k_rows[k_base + d_3], dot_1);
          }
          const float p_1 = expf((((dot_1.x + dot_1.y) + (dot_1.z + dot_1.w)) * 0.125f) - lse_tile[ii_2]);
          sk::f32x4 dp_1 = sk::splat<4>(0.0f);
          for (unsigned c_2 = 0u; c_2 < params.head_dim_v; c_2 += 1u) {
            dp_1 = sk::fma(do_tile[go_1 + c_2], v_rows[v_base + c_2], dp_1);
          }
          const sk::f32x4 pv_1 = sk::splat<4>(p_1);
          dv = sk::fma(pv_1, do_tile[go_1 + 0u], dv);
          dv_1 = sk::fma(pv_1, do_tile[go_1 + 1u], dv_1);
          dv_2 = sk::fma(pv_1, do_tile[go_1 + 2u], dv_2);
          dv_3 = sk::fma(pv_1, do_tile[go_1 + 3u], dv_3);
          dv_4 = sk::fma(pv_1, do_tile[go_1 + 4u], dv_4);
          dv_5 = sk::fma(pv_1, do_tile[go_1 + 5u], dv_5);
          dv_6 = sk::fma(pv_1, do_tile[go_1 + 6u], dv_6);
          dv_7 = sk::fma(pv_1, do_tile[go_1 + 7u], dv_7);
          dv_8 = sk::fma(pv_1, do_tile[go_1 + 8u], dv_8);
          dv_9 = sk::fma(pv_1, do_tile[go_1 + 9u], dv_9);
          dv_10 = sk::fma(pv_1, do_tile[go_1 + 10u], dv_10);
          dv_11 = sk::fma(pv_1, do_tile[go_1 + 11u], dv_11);
          dv_12 = sk::fma(pv_1, do_tile[go_1 + 12u], dv_12);
          dv_13 = sk::fma(pv_1, do_tile[go_1 + 13u], dv_13);
          dv_14 = sk::fma(pv_1, do_tile[go_1 + 14u], dv_14);
          dv_15 = sk::fma(pv_1, do_tile[go_1 + 15u], dv_15);
          const sk::f32x4 ds_1 = sk::splat<4>(p_1 * (((dp_1.x + dp_1.y) + (dp_1.z + dp_1.w)) - delta_tile[ii_2]));
          dk = sk::fma(ds_1, q_tile[qo_1 + 0u], dk);
          dk_1 = sk::fma(ds_1, q_tile[qo_1 + 1u], dk_1);
          dk_2 = sk::fma(ds_1, q_tile[qo_1 + 2u], dk_2);
          dk_3 = sk::fma(ds_1, q_tile[qo_1 + 3u], dk_3);
          dk_4 = sk::fma(ds_1, q_tile[qo_1 + 4u], dk_4);
          dk_5 = sk::fma(ds_1, q_tile[qo_1 + 5u], dk_5);
          dk_6 = sk::fma(ds_1, q_tile[qo_1 + 6u], dk_6);
          dk_7 = sk::fma(ds_1, q_tile[qo_1 + 7u], dk_7);
          dk_8 = sk::fma(ds_1, q_tile[qo_1 + 8u], dk_8);
          dk_9 = sk::fma(ds_1, q_tile[qo_1 + 9u], dk_9);
          dk_10 = sk::fma(ds_1, q_tile[qo_1 + 10u], dk_10);
          dk_11 = sk::fma(ds_1, q_tile[qo_1 + 11u], dk_11);
          dk_12 = sk::fma(ds_1, q_tile[qo_1 + 12u], dk_12);
          dk_13 = sk::fma(ds_1, q_tile[qo_1 + 13u], dk_13);
          dk_14 = sk::fma(ds_1, q_tile[qo_1 + 14u], dk_14);
          dk_15 = sk::fma(ds_1, q_tile[qo_1 + 15u], dk_15);
        }
      }
      __syncthreads();
    }
  }
  if (live) {
    const unsigned o = (((b + h) * 37u) + r) * 128u;
    y7[o + ((0u * 4u) + 0u)] = (dk * sk::splat<4>(0.125f)).x;
    y7[o + ((0u * 4u) + 1u)] = (dk * sk::splat<4>(0.125f)).y;
    y7[o + ((0u * 4u) + 2u)] = (dk * sk::splat<4>(0.125f)).z;
    y7[o + ((0u * 4u) + 3u)] = (dk * sk::splat<4>(0.125f)).w;
    y7[o + ((1u * 4u) + 0u)] = (dk_1 * sk::splat<4>(0.125f)).x;
    y7[o + ((1u * 4u) + 1u)] = (dk_1 * sk::splat<4>(0.125f)).y;
    y7[o + ((1u * 4u) + 2u)] = (dk_1 * sk::splat<4>(0.125f)).z;
    y7[o + ((1u * 4u) + 3u)] = (dk_1 * sk::splat<4>(0.125f)).w;
    y7[o + ((2u * 4u) + 0u)] = (dk_2 * sk::splat<4>(0.125f)).x;
    y7[o + ((2u * 4u) + 1u)] = (dk_2 * sk::splat<4>(0.125f)).y;
    y7[o + ((2u * 4u) + 2u)] = (dk_2 * sk::splat<4>(0.125f)).z;
    y7[o + ((2u * 4u) + 3u)] = (dk_2 * sk::splat<4>(0.125f)).w;
    y7[o + ((3u * 4u) + 0u)] = (dk_3 * sk::splat<4>(0.125f)).x;
    y7[o + ((3u * 4u) + 1u)] = (dk_3 * sk::splat<4>(0.125f)).y;
    y7[o + ((3u * 4u) + 2u)] = (dk_3 * sk::splat<4>(0.125f)).z;
    y7[o + ((3u * 4u) + 3u)] = (dk_3 * sk::splat<4>(0.125f)).w;
    y7[o + ((4u * 4u) + 0u)] = (dk_4 * sk::splat<4>(0.125f)).x;
    y7[o + ((4u * 4u) + 1u)] = (dk_4 * sk::splat<4>(0.125f)).y;
    y7[o + ((4u * 4u) + 2u)] = (dk_4 * sk::splat<4>(0.125f)).z;
    y7[o + ((4u * 4u) + 3u)] = (dk_4 * sk::splat<4>(0.125f)).w;
    y7[o + ((5u * 4u) + 0u)] = (dk_5 * sk::splat<4>(0.125f)).x;
    y7[o + ((5u * 4u) + 1u)] = (dk_5 * sk::splat<4>(0.125f)).y;
    y7[o + ((5u * 4u) + 2u)] = (dk_5 * sk::splat<4>(0.125f)).z;
    y7[o + ((5u * 4u) + 3u)] = (dk_5 * sk::splat<4>(0.125f)).w;
    y7[o + ((6u * 4u) + 0u)] = (dk_6 * sk::splat<4>(0.125f)).x;
    y7[o + ((6u * 4u) + 1u)] = (dk_6 * sk::splat<4>(0.125f)).y;
    y7[o + ((6u * 4u) + 2u)] = (dk_6 * sk::splat<4>(0.125f)).z;
    y7[o + ((6u * 4u) + 3u)] = (dk_6 * sk::splat<4>(0.125f)).w;
    y7[o + ((7u * 4u) + 0u)] = (dk_7 * sk::splat<4>(0.125f)).x;
    y7[o + ((7u * 4u) + 1u)] = (dk_7 * sk::splat<4>(0.125f)).y;
    y7[o + ((7u * 4u) + 2u)] = (dk_7 * sk::splat<4>(0.125f)).z;
    y7[o + ((7u * 4u) + 3u)] = (dk_7 * sk::splat<4>(0.125f)).w;
    y7[o + ((8u * 4u) + 0u)] = (dk_8 * sk::splat<4>(0.125f)).x;
    y7[o + ((8u * 4u) + 1u)] = (dk_8 * sk::splat<4>(0.125f)).y;
    y7[o + ((8u * 4u) + 2u)] = (dk_8 * sk::splat<4>(0.125f)).z;
    y7[o + ((8u * 4u) + 3u)] = (dk_8 * sk::splat<4>(0.125f)).w;
    y7[o + ((9u * 4u) + 0u)] = (dk_9 * sk::splat<4>(0.125f)).x;
    y7[o + ((9u * 4u) + 1u)] = (dk_9 * sk::splat<4>(0.125f)).y;
    y7[o + ((9u * 4u) + 2u)] = (dk_9 * sk::splat<4>(0.125f)).z;
    y7[o + ((9u * 4u) + 3u)] = (dk_9 * sk::splat<4>(0.125f)).w;
    y7[o + ((10u * 4u) + 0u)] = (dk_10 * sk::splat<4>(0.125f)).x;
    y7[o + ((10u * 4u) + 1u)] = (dk_10 * sk::splat<4>(0.125f)).y;
    y7[o + ((10u * 4u) + 2u)] = (dk_10 * sk::splat<4>(0.125f)).z;
    y7[o + ((10u * 4u) + 3u)] = (dk_10 * sk::splat<4>(0.125f)).w;
    y7[o + ((11u * 4u) + 0u)] = (dk_11 * sk::splat<4>(0.125f)).x;
    y7[o + ((11u * 4u) + 1u)] = (dk_11 * sk::splat<4>(0.125f)).y;
    y7[o + ((11u * 4u) + 2u)] = (dk_11 * sk::splat<4>(0.125f)).z;
    y7[o + ((11u * 4u) + 3u)] = (dk_11 * sk::splat<4>(0.125f)).w;
    y7[o + ((12u * 4u) + 0u)] = (dk_12 * sk::splat<4>(0.125f)).x;
    y7[o + ((12u * 4u) + 1u)] = (dk_12 * sk::splat<4>(0.125f)).y;
    y7[o + ((12u * 4u) + 2u)] = (dk_12 * sk::splat<4>(0.125f)).z;
    y7[o + ((12u * 4u) + 3u)] = (dk_12 * sk::splat<4>(0.125f)).w;
    y7[o + ((13u * 4u) + 0u)] = (dk_13 * sk::splat<4>(0.125f)).x;
    y7[o + ((13u * 4u) + 1u)] = (dk_13 * sk::splat<4>(0.125f)).y;
    y7[o + ((13u * 4u) + 2u)] = (dk_13 * sk::splat<4>(0.125f)).z;
    y7[o + ((13u * 4u) + 3u)] = (dk_13 * sk::splat<4>(0.125f)).w;
    y7[o + ((14u * 4u) + 0u)] = (dk_14 * sk::splat<4>(0.125f)).x;
    y7[o + ((14u * 4u) + 1u)] = (dk_14 * sk::splat<4>(0.125f)).y;
    y7[o + ((14u * 4u) + 2u)] = (dk_14 * sk::splat<4>(0.125f)).z;
    y7[o + ((14u * 4u) + 3u)] = (dk_14 * sk::splat<4>(0.125f)).w;
    y7[o + ((15u * 4u) + 0u)] = (dk_15 * sk::splat<4>(0.125f)).x;
    y7[o + ((15u * 4u) + 1u)] = (dk_15 * sk::splat<4>(0.125f)).y;
    y7[o + ((15u * 4u) + 2u)] = (dk_15 * sk::splat<4>(0.125f)).z;
    y7[o + ((15u * 4u) + 3u)] = (dk_15 * sk::splat<4>(0.125f)).w;
    const unsigned ov = o + 64u;
    y7[ov + ((0u * 4u) + 0u)] = dv.x;
    y7[ov + ((0u * 4u) + 1u)] = dv.y;
    y7[ov + ((0u * 4u) + 2u)] = dv.z;
    y7[ov + ((0u * 4u) + 3u)] = dv.w;
    y7[ov + ((1u * 4u) + 0u)] = dv_1.x;
    y7[ov + ((1u * 4u) + 1u)] = dv_1.y;
    y7[ov + ((1u * 4u) + 2u)] = dv_1.z;
    y7[ov + ((1u * 4u) + 3u)] = dv_1.w;
    y7[ov + ((2u * 4u) + 0u)] = dv_2.x;
    y7[ov + ((2u * 4u) + 1u)] = dv_2.y;
    y7[ov + ((2u * 4u) + 2u)] = dv_2.z;
    y7[ov + ((2u * 4u) + 3u)] = dv_2.w;
    y7[ov + ((3u * 4u) + 0u)] = dv_3.x;
    y7[ov + ((3u * 4u) + 1u)] = dv_3.y;
    y7[ov + ((3u * 4u) + 2u)] = dv_3.z;
    y7[ov + ((3u * 4u) + 3u)] = dv_3.w;
    y7[ov + ((4u * 4u) + 0u)] = dv_4.x;
    y7[ov + ((4u * 4u) + 1u)] = dv_4.y;
    y7[ov + ((4u * 4u) + 2u)] = dv_4.z;
    y7[ov + ((4u * 4u) + 3u)] = dv_4.w;
    y7[ov + ((5u * 4u) + 0u)] = dv_5.x;
    y7[ov + ((5u * 4u) + 1u)] = dv_5.y;
    y7[ov + ((5u * 4u) + 2u)] = dv_5.z;
    y7[ov + ((5u * 4u) + 3u)] = dv_5.w;
    y7[ov + ((6u * 4u) + 0u)] = dv_6.x;
    y7[ov + ((6u * 4u) + 1u)] = dv_6.y;
    y7[ov + ((6u * 4u) + 2u)] = dv_6.z;
    y7[ov + ((6u * 4u) + 3u)] = dv_6.w;
    y7[ov + ((7u * 4u) + 0u)] = dv_7.x;
    y7[ov + ((7u * 4u) + 1u)] = dv_7.y;
    y7[ov + ((7u * 4u) + 2u)] = dv_7.z;
    y7[ov + ((7u * 4u) + 3u)] = dv_7.w;
    y7[ov + ((8u * 4u) + 0u)] = dv_8.x;
    y7[ov + ((8u * 4u) + 1u)] = dv_8.y;
    y7[ov + ((8u * 4u) + 2u)] = dv_8.z;
    y7[ov + ((8u * 4u) + 3u)] = dv_8.w;
    y7[ov + ((9u * 4u) + 0u)] = dv_9.x;
    y7[ov + ((9u * 4u) + 1u)] = dv_9.y;
    y7[ov + ((9u * 4u) + 2u)] = dv_9.z;
    y7[ov + ((9u * 4u) + 3u)] = dv_9.w;
    y7[ov + ((10u * 4u) + 0u)] = dv_10.x;
    y7[ov + ((10u * 4u) + 1u)] = dv_10.y;
    y7[ov + ((10u * 4u) + 2u)] = dv_10.z;
    y7[ov + ((10u * 4u) + 3u)] = dv_10.w;
    y7[ov + ((11u * 4u) + 0u)] = dv_11.x;
    y7[ov + ((11u * 4u) + 1u)] = dv_11.y;
    y7[ov + ((11u * 4u) + 2u)] = dv_11.z;
    y7[ov + ((11u * 4u) + 3u)] = dv_11.w;
    y7[ov + ((12u * 4u) + 0u)] = dv_12.x;
    y7[ov + ((12u * 4u) + 1u)] = dv_12.y;
    y7[ov + ((12u * 4u) + 2u)] = dv_12.z;
    y7[ov + ((12u * 4u) + 3u)] = dv_12.w;
    y7[ov + ((13u * 4u) + 0u)] = dv_13.x;
    y7[ov + ((13u * 4u) + 1u)] = dv_13.y;
    y7[ov + ((13u * 4u) + 2u)] = dv_13.z;
    y7[ov + ((13u * 4u) + 3u)] = dv_13.w;
    y7[ov + ((14u * 4u) + 0u)] = dv_14.x;
    y7[ov + ((14u * 4u) + 1u)] = dv_14.y;
    y7[ov + ((14u * 4u) + 2u)] = dv_14.z;
    y7[ov + ((14u * 4u) + 3u)] = dv_14.w;
    y7[ov + ((15u * 4u) + 0u)] = dv_15.x;
    y7[ov + ((15u * 4u) + 1u)] = dv_15.y;
    y7[ov + ((15u * 4u) + 2u)] = dv_15.z;
    y7[ov + ((15u * 4u) + 3u)] = dv_15.w;
  }
}
