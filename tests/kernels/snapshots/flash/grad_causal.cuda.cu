// ---- launch 1 of 2, grid [4]
// label: attention_grad_q f32[1, 2, 37, 64] (flash backward 32 rows; chunks of 32; causal: sure part unmasked, diagonal band masked)
// params: {"head_dim":16,"head_dim_v":16}
// kernel attention_grad_q_flash
// attention_grad_q: q [1, 2, 37, 64], k [1, 2, 37, 64], v [1, 2, 37, 64], out+lse [1, 2, 37, 65], dO [1, 2, 37, 64] → dQ [1, 2, 37, 64]
// flash backward (P from the lse); one workgroup of 32 per (b, h, query tile); keys in chunks of 32; causal: sure part unmasked, diagonal band masked

struct attention_grad_q_flash_Params {
  unsigned head_dim;
  unsigned head_dim_v;
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(32) attention_grad_q_flash(
    const float* __restrict__ x0,
    const float* __restrict__ x1,
    const float* __restrict__ x2,
    const float* __restrict__ x3,
    const float* __restrict__ x4,
    float* __restrict__ y5,
    const attention_grad_q_flash_Params params) {
  __shared__ sk::f32x4 q_rows[544];
  __shared__ sk::f32x4 do_rows[544];
  __shared__ sk::f32x4 k_tile[512];
  __shared__ sk::f32x4 v_tile[512];
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  const unsigned t = threadIdx.x;
  const unsigned wg = wg_linear;
  const unsigned ot = wg % 2u;
  const unsigned h = (wg / 2u) % 2u;
  const unsigned b = wg / 4u;
  const unsigned r = (ot * 32u) + t;
  const bool live = r < 37u;
  const unsigned rc = sk::min(r, 36u);
  const int pos_q = sk::add(sk::to_i32(rc), 0);
  const unsigned q_base = t * 17u;
  for (unsigned d = 0u; d < params.head_dim; d += 1u) {
    const unsigned c0 = d * 4u;
    const float v = x0[((h * 2368u) + (rc * 64u)) + c0];
    const float v_1 = x0[((h * 2368u) + (rc * 64u)) + (c0 + 1u)];
    const float v_2 = x0[((h * 2368u) + (rc * 64u)) + (c0 + 2u)];
    const float v_3 = x0[((h * 2368u) + (rc * 64u)) + (c0 + 3u)];
    q_rows[q_base + d] = sk::f32x4{v, v_1, v_2, v_3};
  }
  const unsigned do_base = t * 17u;
  for (unsigned d_1 = 0u; d_1 < params.head_dim_v; d_1 += 1u) {
    const unsigned c0_1 = d_1 * 4u;
    const float v_4 = x1[((h * 2368u) + (rc * 64u)) + c0_1];
    const float v_5 = x1[((h * 2368u) + (rc * 64u)) + (c0_1 + 1u)];
    const float v_6 = x1[((h * 2368u) + (rc * 64u)) + (c0_1 + 2u)];
    const float v_7 = x1[((h * 2368u) + (rc * 64u)) + (c0_1 + 3u)];
    do_rows[do_base + d_1] = sk::f32x4{v_4, v_5, v_6, v_7};
  }
  const float v_8 = x2[((h * 2405u) + (rc * 65u)) + 64u];
  const float lse = v_8;
  sk::f32x4 delta = sk::splat<4>(0.0f);
  for (unsigned c = 0u; c < params.head_dim_v; c += 1u) {
    const unsigned c0_2 = c * 4u;
    const float v_9 = x2[((h * 2405u) + (rc * 65u)) + c0_2];
    const float v_10 = x2[((h * 2405u) + (rc * 65u)) + (c0_2 + 1u)];
    const float v_11 = x2[((h * 2405u) + (rc * 65u)) + (c0_2 + 2u)];
    const float v_12 = x2[((h * 2405u) + (rc * 65u)) + (c0_2 + 3u)];
    delta = sk::fma(do_rows[do_base + c], sk::f32x4{v_9, v_10, v_11, v_12}, delta);
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
  const unsigned full_end = sk::to_u32(sk::clamp(sk::add(sk::add(sk::to_i32(ot * 32u), 0), 1), 0, 37));
  const unsigned band_end = sk::max(full_end, sk::to_u32(sk::clamp(sk::add(sk::to_i32(sk::min((ot * 32u) + 32u, 37u)), 0), 0, 37)));
  for (unsigned e = 0u; e < 2u; e += 1u) {
    const bool band = e == 1u;
    for (unsigned c0_3 = (band ? full_end : 0u); c0_3 < (band ? band_end : full_end); c0_3 += 32u) {
      const unsigned n = sk::min(32u, (band ? band_end : full_end) - c0_3);
      for (unsigned e_1 = t; e_1 < (n * 16u); e_1 += 32u) {
        const unsigned c0_4 = (e_1 % 16u) * 4u;
        const float v_13 = x3[((h * 2368u) + ((c0_3 + (e_1 / 16u)) * 64u)) + c0_4];
        const float v_14 = x3[((h * 2368u) + ((c0_3 + (e_1 / 16u)) * 64u)) + (c0_4 + 1u)];
        const float v_15 = x3[((h * 2368u) + ((c0_3 + (e_1 / 16u)) * 64u)) + (c0_4 + 2u)];
        const float v_16 = x3[((h * 2368u) + ((c0_3 + (e_1 / 16u)) * 64u)) + (c0_4 + 3u)];
        k_tile[e_1] = sk::f32x4{v_13, v_14, v_15, v_16};
      }
      for (unsigned e_2 = t; e_2 < (n * 16u); e_2 += 32u) {
        const unsigned c0_5 = (e_2 % 16u) * 4u;
        const float v_17 = x4[((h * 2368u) + ((c0_3 + (e_2 / 16u)) * 64u)) + c0_5];
        const float v_18 = x4[((h * 2368u) + ((c0_3 + (e_2 / 16u)) * 64u)) + (c0_5 + 1u)];
        const float v_19 = x4[((h * 2368u) + ((c0_3 + (e_2 / 16u)) * 64u)) + (c0_5 + 2u)];
        const float v_20 = x4[((h * 2368u) + ((c0_3 + (e_2 / 16u)) * 64u)) + (c0_5 + 3u)];
        v_tile[e_2] = sk::f32x4{v_17, v_18, v_19, v_20};
      }
      __syncthreads();
      if (band) {
        for (unsigned jj = 0u; jj < n; jj += 1u) {
          const unsigned ko = jj * 16u;
          const unsigned vo = jj * 16u;
          sk::f32x4 dot = sk::splat<4>(0.0f);
          for (unsigned d_2 = 0u; d_2 < params.head_dim; d_2 += 1u) {
            dot = sk::fma(q_rows[q_base + d_2], k_tile[ko + d_2], dot);
          }
          const bool ok = sk::to_i32(c0_3 + jj) <= pos_q;
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
        for (unsigned jj_1 = 0u; jj_1 < n; jj_1 += 1u) {
          const unsigned ko_1 = jj_1 * 16u;
          const unsigned vo_1 = jj_1 * 16u;
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
    const unsigned o = ((((b * 2u) + h) * 37u) + r) * 64u;
    y5[o + ((0u * 4u) + 0u)] = (dq * sk::splat<4>(0.125f)).x;
    y5[o + ((0u * 4u) + 1u)] = (dq * sk::splat<4>(0.125f)).y;
    y5[o + ((0u * 4u) + 2u)] = (dq * sk::splat<4>(0.125f)).z;
    y5[o + ((0u * 4u) + 3u)] = (dq * sk::splat<4>(0.125f)).w;
    y5[o + ((1u * 4u) + 0u)] = (dq_1 * sk::splat<4>(0.125f)).x;
    y5[o + ((1u * 4u) + 1u)] = (dq_1 * sk::splat<4>(0.125f)).y;
    y5[o + ((1u * 4u) + 2u)] = (dq_1 * sk::splat<4>(0.125f)).z;
    y5[o + ((1u * 4u) + 3u)] = (dq_1 * sk::splat<4>(0.125f)).w;
    y5[o + ((2u * 4u) + 0u)] = (dq_2 * sk::splat<4>(0.125f)).x;
    y5[o + ((2u * 4u) + 1u)] = (dq_2 * sk::splat<4>(0.125f)).y;
    y5[o + ((2u * 4u) + 2u)] = (dq_2 * sk::splat<4>(0.125f)).z;
    y5[o + ((2u * 4u) + 3u)] = (dq_2 * sk::splat<4>(0.125f)).w;
    y5[o + ((3u * 4u) + 0u)] = (dq_3 * sk::splat<4>(0.125f)).x;
    y5[o + ((3u * 4u) + 1u)] = (dq_3 * sk::splat<4>(0.125f)).y;
    y5[o + ((3u * 4u) + 2u)] = (dq_3 * sk::splat<4>(0.125f)).z;
    y5[o + ((3u * 4u) + 3u)] = (dq_3 * sk::splat<4>(0.125f)).w;
    y5[o + ((4u * 4u) + 0u)] = (dq_4 * sk::splat<4>(0.125f)).x;
    y5[o + ((4u * 4u) + 1u)] = (dq_4 * sk::splat<4>(0.125f)).y;
    y5[o + ((4u * 4u) + 2u)] = (dq_4 * sk::splat<4>(0.125f)).z;
    y5[o + ((4u * 4u) + 3u)] = (dq_4 * sk::splat<4>(0.125f)).w;
    y5[o + ((5u * 4u) + 0u)] = (dq_5 * sk::splat<4>(0.125f)).x;
    y5[o + ((5u * 4u) + 1u)] = (dq_5 * sk::splat<4>(0.125f)).y;
    y5[o + ((5u * 4u) + 2u)] = (dq_5 * sk::splat<4>(0.125f)).z;
    y5[o + ((5u * 4u) + 3u)] = (dq_5 * sk::splat<4>(0.125f)).w;
    y5[o + ((6u * 4u) + 0u)] = (dq_6 * sk::splat<4>(0.125f)).x;
    y5[o + ((6u * 4u) + 1u)] = (dq_6 * sk::splat<4>(0.125f)).y;
    y5[o + ((6u * 4u) + 2u)] = (dq_6 * sk::splat<4>(0.125f)).z;
    y5[o + ((6u * 4u) + 3u)] = (dq_6 * sk::splat<4>(0.125f)).w;
    y5[o + ((7u * 4u) + 0u)] = (dq_7 * sk::splat<4>(0.125f)).x;
    y5[o + ((7u * 4u) + 1u)] = (dq_7 * sk::splat<4>(0.125f)).y;
    y5[o + ((7u * 4u) + 2u)] = (dq_7 * sk::splat<4>(0.125f)).z;
    y5[o + ((7u * 4u) + 3u)] = (dq_7 * sk::splat<4>(0.125f)).w;
    y5[o + ((8u * 4u) + 0u)] = (dq_8 * sk::splat<4>(0.125f)).x;
    y5[o + ((8u * 4u) + 1u)] = (dq_8 * sk::splat<4>(0.125f)).y;
    y5[o + ((8u * 4u) + 2u)] = (dq_8 * sk::splat<4>(0.125f)).z;
    y5[o + ((8u * 4u) + 3u)] = (dq_8 * sk::splat<4>(0.125f)).w;
    y5[o + ((9u * 4u) + 0u)] = (dq_9 * sk::splat<4>(0.125f)).x;
    y5[o + ((9u * 4u) + 1u)] = (dq_9 * sk::splat<4>(0.125f)).y;
    y5[o + ((9u * 4u) + 2u)] = (dq_9 * sk::splat<4>(0.125f)).z;
    y5[o + ((9u * 4u) + 3u)] = (dq_9 * sk::splat<4>(0.125f)).w;
    y5[o + ((10u * 4u) + 0u)] = (dq_10 * sk::splat<4>(0.125f)).x;
    y5[o + ((10u * 4u) + 1u)] = (dq_10 * sk::splat<4>(0.125f)).y;
    y5[o + ((10u * 4u) + 2u)] = (dq_10 * sk::splat<4>(0.125f)).z;
    y5[o + ((10u * 4u) + 3u)] = (dq_10 * sk::splat<4>(0.125f)).w;
    y5[o + ((11u * 4u) + 0u)] = (dq_11 * sk::splat<4>(0.125f)).x;
    y5[o + ((11u * 4u) + 1u)] = (dq_11 * sk::splat<4>(0.125f)).y;
    y5[o + ((11u * 4u) + 2u)] = (dq_11 * sk::splat<4>(0.125f)).z;
    y5[o + ((11u * 4u) + 3u)] = (dq_11 * sk::splat<4>(0.125f)).w;
    y5[o + ((12u * 4u) + 0u)] = (dq_12 * sk::splat<4>(0.125f)).x;
    y5[o + ((12u * 4u) + 1u)] = (dq_12 * sk::splat<4>(0.125f)).y;
    y5[o + ((12u * 4u) + 2u)] = (dq_12 * sk::splat<4>(0.125f)).z;
    y5[o + ((12u * 4u) + 3u)] = (dq_12 * sk::splat<4>(0.125f)).w;
    y5[o + ((13u * 4u) + 0u)] = (dq_13 * sk::splat<4>(0.125f)).x;
    y5[o + ((13u * 4u) + 1u)] = (dq_13 * sk::splat<4>(0.125f)).y;
    y5[o + ((13u * 4u) + 2u)] = (dq_13 * sk::splat<4>(0.125f)).z;
    y5[o + ((13u * 4u) + 3u)] = (dq_13 * sk::splat<4>(0.125f)).w;
    y5[o + ((14u * 4u) + 0u)] = (dq_14 * sk::splat<4>(0.125f)).x;
    y5[o + ((14u * 4u) + 1u)] = (dq_14 * sk::splat<4>(0.125f)).y;
    y5[o + ((14u * 4u) + 2u)] = (dq_14 * sk::splat<4>(0.125f)).z;
    y5[o + ((14u * 4u) + 3u)] = (dq_14 * sk::splat<4>(0.125f)).w;
    y5[o + ((15u * 4u) + 0u)] = (dq_15 * sk::splat<4>(0.125f)).x;
    y5[o + ((15u * 4u) + 1u)] = (dq_15 * sk::splat<4>(0.125f)).y;
    y5[o + ((15u * 4u) + 2u)] = (dq_15 * sk::splat<4>(0.125f)).z;
    y5[o + ((15u * 4u) + 3u)] = (dq_15 * sk::splat<4>(0.125f)).w;
  }
}

// ---- launch 2 of 2, grid [4]
// label: attention_grad_kv f32[1, 2, 37, 128] (flash backward 32 rows; chunks of 32; causal: sure part unmasked, diagonal band masked)
// params: {"head_dim":16,"head_dim_v":16}
// kernel attention_grad_kv_flash
// attention_grad_kv: q [1, 2, 37, 64], k [1, 2, 37, 64], v [1, 2, 37, 64], out+lse [1, 2, 37, 65], dO [1, 2, 37, 64] → dK|dV [1, 2, 37, 128]
// flash backward (P from the lse); one workgroup of 32 per (b, h, key tile); queries in chunks of 32; causal: sure part unmasked, diagonal band masked

struct attention_grad_kv_flash_Params {
  unsigned head_dim;
  unsigned head_dim_v;
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(32) attention_grad_kv_flash(
    const float* __restrict__ x0,
    const float* __restrict__ x1,
    const float* __restrict__ x2,
    const float* __restrict__ x3,
    const float* __restrict__ x4,
    float* __restrict__ y5,
    const attention_grad_kv_flash_Params params) {
  __shared__ sk::f32x4 k_rows[544];
  __shared__ sk::f32x4 v_rows[544];
  __shared__ sk::f32x4 q_tile[512];
  __shared__ sk::f32x4 do_tile[512];
  __shared__ float lse_tile[32];
  __shared__ float delta_tile[32];
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  const unsigned t = threadIdx.x;
  const unsigned wg = wg_linear;
  const unsigned ot = wg % 2u;
  const unsigned h = (wg / 2u) % 2u;
  const unsigned b = wg / 4u;
  const unsigned r = (ot * 32u) + t;
  const bool live = r < 37u;
  const unsigned rc = sk::min(r, 36u);
  const int pos_k = sk::to_i32(rc);
  const unsigned k_base = t * 17u;
  const unsigned v_base = t * 17u;
  for (unsigned d = 0u; d < params.head_dim; d += 1u) {
    const unsigned c0 = d * 4u;
    const float v = x0[((h * 2368u) + (rc * 64u)) + c0];
    const float v_1 = x0[((h * 2368u) + (rc * 64u)) + (c0 + 1u)];
    const float v_2 = x0[((h * 2368u) + (rc * 64u)) + (c0 + 2u)];
    const float v_3 = x0[((h * 2368u) + (rc * 64u)) + (c0 + 3u)];
    k_rows[k_base + d] = sk::f32x4{v, v_1, v_2, v_3};
  }
  for (unsigned d_1 = 0u; d_1 < params.head_dim_v; d_1 += 1u) {
    const unsigned c0_1 = d_1 * 4u;
    const float v_4 = x1[((h * 2368u) + (rc * 64u)) + c0_1];
    const float v_5 = x1[((h * 2368u) + (rc * 64u)) + (c0_1 + 1u)];
    const float v_6 = x1[((h * 2368u) + (rc * 64u)) + (c0_1 + 2u)];
    const float v_7 = x1[((h * 2368u) + (rc * 64u)) + (c0_1 + 3u)];
    v_rows[v_base + d_1] = sk::f32x4{v_4, v_5, v_6, v_7};
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
  const unsigned band_start = sk::to_u32(sk::clamp(sk::sub(sk::to_i32(ot * 32u), 0), 0, 37));
  const unsigned full_start = sk::max(band_start, sk::to_u32(sk::clamp(sk::sub(sk::to_i32(sk::min((ot * 32u) + 32u, 37u) - 1u), 0), 0, 37)));
  for (unsigned e = 0u; e < 2u; e += 1u) {
    const bool band = e == 1u;
    for (unsigned c0_2 = (band ? band_start : full_start); c0_2 < (band ? full_start : 37u); c0_2 += 32u) {
      const unsigned n = sk::min(32u, (band ? full_start : 37u) - c0_2);
      for (unsigned e_1 = t; e_1 < (n * 16u); e_1 += 32u) {
        const unsigned c0_3 = (e_1 % 16u) * 4u;
        const float v_8 = x2[((h * 2368u) + ((c0_2 + (e_1 / 16u)) * 64u)) + c0_3];
        const float v_9 = x2[((h * 2368u) + ((c0_2 + (e_1 / 16u)) * 64u)) + (c0_3 + 1u)];
        const float v_10 = x2[((h * 2368u) + ((c0_2 + (e_1 / 16u)) * 64u)) + (c0_3 + 2u)];
        const float v_11 = x2[((h * 2368u) + ((c0_2 + (e_1 / 16u)) * 64u)) + (c0_3 + 3u)];
        q_tile[e_1] = sk::f32x4{v_8, v_9, v_10, v_11};
      }
      for (unsigned e_2 = t; e_2 < (n * 16u); e_2 += 32u) {
        const unsigned c0_4 = (e_2 % 16u) * 4u;
        const float v_12 = x3[((h * 2368u) + ((c0_2 + (e_2 / 16u)) * 64u)) + c0_4];
        const float v_13 = x3[((h * 2368u) + ((c0_2 + (e_2 / 16u)) * 64u)) + (c0_4 + 1u)];
        const float v_14 = x3[((h * 2368u) + ((c0_2 + (e_2 / 16u)) * 64u)) + (c0_4 + 2u)];
        const float v_15 = x3[((h * 2368u) + ((c0_2 + (e_2 / 16u)) * 64u)) + (c0_4 + 3u)];
        do_tile[e_2] = sk::f32x4{v_12, v_13, v_14, v_15};
      }
      __syncthreads();
      for (unsigned ii = t; ii < n; ii += 32u) {
        const unsigned i = c0_2 + ii;
        const float v_16 = x4[((h * 2405u) + (i * 65u)) + 64u];
        lse_tile[ii] = v_16;
        sk::f32x4 delta = sk::splat<4>(0.0f);
        for (unsigned c = 0u; c < params.head_dim_v; c += 1u) {
          const unsigned c0_5 = c * 4u;
          const float v_17 = x4[((h * 2405u) + (i * 65u)) + c0_5];
          const float v_18 = x4[((h * 2405u) + (i * 65u)) + (c0_5 + 1u)];
          const float v_19 = x4[((h * 2405u) + (i * 65u)) + (c0_5 + 2u)];
          const float v_20 = x4[((h * 2405u) + (i * 65u)) + (c0_5 + 3u)];
          delta = sk::fma(do_tile[(ii * 16u) + c], sk::f32x4{v_17, v_18, v_19, v_20}, delta);
        }
        delta_tile[ii] = (delta.x + delta.y) + (delta.z + delta.w);
      }
      __syncthreads();
      if (band) {
        for (unsigned ii_1 = 0u; ii_1 < n; ii_1 += 1u) {
          const unsigned qo = ii_1 * 16u;
          const unsigned go = ii_1 * 16u;
          sk::f32x4 dot = sk::splat<4>(0.0f);
          for (unsigned d_2 = 0u; d_2 < params.head_dim; d_2 += 1u) {
            dot = sk::fma(q_tile[qo + d_2], k_rows[k_base + d_2], dot);
          }
          const bool ok = pos_k <= (sk::add(sk::to_i32(c0_2 + ii_1), 0));
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
    const unsigned o = ((((b * 2u) + h) * 37u) + r) * 128u;
    y5[o + ((0u * 4u) + 0u)] = (dk * sk::splat<4>(0.125f)).x;
    y5[o + ((0u * 4u) + 1u)] = (dk * sk::splat<4>(0.125f)).y;
    y5[o + ((0u * 4u) + 2u)] = (dk * sk::splat<4>(0.125f)).z;
    y5[o + ((0u * 4u) + 3u)] = (dk * sk::splat<4>(0.125f)).w;
    y5[o + ((1u * 4u) + 0u)] = (dk_1 * sk::splat<4>(0.125f)).x;
    y5[o + ((1u * 4u) + 1u)] = (dk_1 * sk::splat<4>(0.125f)).y;
    y5[o + ((1u * 4u) + 2u)] = (dk_1 * sk::splat<4>(0.125f)).z;
    y5[o + ((1u * 4u) + 3u)] = (dk_1 * sk::splat<4>(0.125f)).w;
    y5[o + ((2u * 4u) + 0u)] = (dk_2 * sk::splat<4>(0.125f)).x;
    y5[o + ((2u * 4u) + 1u)] = (dk_2 * sk::splat<4>(0.125f)).y;
    y5[o + ((2u * 4u) + 2u)] = (dk_2 * sk::splat<4>(0.125f)).z;
    y5[o + ((2u * 4u) + 3u)] = (dk_2 * sk::splat<4>(0.125f)).w;
    y5[o + ((3u * 4u) + 0u)] = (dk_3 * sk::splat<4>(0.125f)).x;
    y5[o + ((3u * 4u) + 1u)] = (dk_3 * sk::splat<4>(0.125f)).y;
    y5[o + ((3u * 4u) + 2u)] = (dk_3 * sk::splat<4>(0.125f)).z;
    y5[o + ((3u * 4u) + 3u)] = (dk_3 * sk::splat<4>(0.125f)).w;
    y5[o + ((4u * 4u) + 0u)] = (dk_4 * sk::splat<4>(0.125f)).x;
    y5[o + ((4u * 4u) + 1u)] = (dk_4 * sk::splat<4>(0.125f)).y;
    y5[o + ((4u * 4u) + 2u)] = (dk_4 * sk::splat<4>(0.125f)).z;
    y5[o + ((4u * 4u) + 3u)] = (dk_4 * sk::splat<4>(0.125f)).w;
    y5[o + ((5u * 4u) + 0u)] = (dk_5 * sk::splat<4>(0.125f)).x;
    y5[o + ((5u * 4u) + 1u)] = (dk_5 * sk::splat<4>(0.125f)).y;
    y5[o + ((5u * 4u) + 2u)] = (dk_5 * sk::splat<4>(0.125f)).z;
    y5[o + ((5u * 4u) + 3u)] = (dk_5 * sk::splat<4>(0.125f)).w;
    y5[o + ((6u * 4u) + 0u)] = (dk_6 * sk::splat<4>(0.125f)).x;
    y5[o + ((6u * 4u) + 1u)] = (dk_6 * sk::splat<4>(0.125f)).y;
    y5[o + ((6u * 4u) + 2u)] = (dk_6 * sk::splat<4>(0.125f)).z;
    y5[o + ((6u * 4u) + 3u)] = (dk_6 * sk::splat<4>(0.125f)).w;
    y5[o + ((7u * 4u) + 0u)] = (dk_7 * sk::splat<4>(0.125f)).x;
    y5[o + ((7u * 4u) + 1u)] = (dk_7 * sk::splat<4>(0.125f)).y;
    y5[o + ((7u * 4u) + 2u)] = (dk_7 * sk::splat<4>(0.125f)).z;
    y5[o + ((7u * 4u) + 3u)] = (dk_7 * sk::splat<4>(0.125f)).w;
    y5[o + ((8u * 4u) + 0u)] = (dk_8 * sk::splat<4>(0.125f)).x;
    y5[o + ((8u * 4u) + 1u)] = (dk_8 * sk::splat<4>(0.125f)).y;
    y5[o + ((8u * 4u) + 2u)] = (dk_8 * sk::splat<4>(0.125f)).z;
    y5[o + ((8u * 4u) + 3u)] = (dk_8 * sk::splat<4>(0.125f)).w;
    y5[o + ((9u * 4u) + 0u)] = (dk_9 * sk::splat<4>(0.125f)).x;
    y5[o + ((9u * 4u) + 1u)] = (dk_9 * sk::splat<4>(0.125f)).y;
    y5[o + ((9u * 4u) + 2u)] = (dk_9 * sk::splat<4>(0.125f)).z;
    y5[o + ((9u * 4u) + 3u)] = (dk_9 * sk::splat<4>(0.125f)).w;
    y5[o + ((10u * 4u) + 0u)] = (dk_10 * sk::splat<4>(0.125f)).x;
    y5[o + ((10u * 4u) + 1u)] = (dk_10 * sk::splat<4>(0.125f)).y;
    y5[o + ((10u * 4u) + 2u)] = (dk_10 * sk::splat<4>(0.125f)).z;
    y5[o + ((10u * 4u) + 3u)] = (dk_10 * sk::splat<4>(0.125f)).w;
    y5[o + ((11u * 4u) + 0u)] = (dk_11 * sk::splat<4>(0.125f)).x;
    y5[o + ((11u * 4u) + 1u)] = (dk_11 * sk::splat<4>(0.125f)).y;
    y5[o + ((11u * 4u) + 2u)] = (dk_11 * sk::splat<4>(0.125f)).z;
    y5[o + ((11u * 4u) + 3u)] = (dk_11 * sk::splat<4>(0.125f)).w;
    y5[o + ((12u * 4u) + 0u)] = (dk_12 * sk::splat<4>(0.125f)).x;
    y5[o + ((12u * 4u) + 1u)] = (dk_12 * sk::splat<4>(0.125f)).y;
    y5[o + ((12u * 4u) + 2u)] = (dk_12 * sk::splat<4>(0.125f)).z;
    y5[o + ((12u * 4u) + 3u)] = (dk_12 * sk::splat<4>(0.125f)).w;
    y5[o + ((13u * 4u) + 0u)] = (dk_13 * sk::splat<4>(0.125f)).x;
    y5[o + ((13u * 4u) + 1u)] = (dk_13 * sk::splat<4>(0.125f)).y;
    y5[o + ((13u * 4u) + 2u)] = (dk_13 * sk::splat<4>(0.125f)).z;
    y5[o + ((13u * 4u) + 3u)] = (dk_13 * sk::splat<4>(0.125f)).w;
    y5[o + ((14u * 4u) + 0u)] = (dk_14 * sk::splat<4>(0.125f)).x;
    y5[o + ((14u * 4u) + 1u)] = (dk_14 * sk::splat<4>(0.125f)).y;
    y5[o + ((14u * 4u) + 2u)] = (dk_14 * sk::splat<4>(0.125f)).z;
    y5[o + ((14u * 4u) + 3u)] = (dk_14 * sk::splat<4>(0.125f)).w;
    y5[o + ((15u * 4u) + 0u)] = (dk_15 * sk::splat<4>(0.125f)).x;
    y5[o + ((15u * 4u) + 1u)] = (dk_15 * sk::splat<4>(0.125f)).y;
    y5[o + ((15u * 4u) + 2u)] = (dk_15 * sk::splat<4>(0.125f)).z;
    y5[o + ((15u * 4u) + 3u)] = (dk_15 * sk::splat<4>(0.125f)).w;
    const unsigned ov = o + 64u;
    y5[ov + ((0u * 4u) + 0u)] = dv.x;
    y5[ov + ((0u * 4u) + 1u)] = dv.y;
    y5[ov + ((0u * 4u) + 2u)] = dv.z;
    y5[ov + ((0u * 4u) + 3u)] = dv.w;
    y5[ov + ((1u * 4u) + 0u)] = dv_1.x;
    y5[ov + ((1u * 4u) + 1u)] = dv_1.y;
    y5[ov + ((1u * 4u) + 2u)] = dv_1.z;
    y5[ov + ((1u * 4u) + 3u)] = dv_1.w;
    y5[ov + ((2u * 4u) + 0u)] = dv_2.x;
    y5[ov + ((2u * 4u) + 1u)] = dv_2.y;
    y5[ov + ((2u * 4u) + 2u)] = dv_2.z;
    y5[ov + ((2u * 4u) + 3u)] = dv_2.w;
    y5[ov + ((3u * 4u) + 0u)] = dv_3.x;
    y5[ov + ((3u * 4u) + 1u)] = dv_3.y;
    y5[ov + ((3u * 4u) + 2u)] = dv_3.z;
    y5[ov + ((3u * 4u) + 3u)] = dv_3.w;
    y5[ov + ((4u * 4u) + 0u)] = dv_4.x;
    y5[ov + ((4u * 4u) + 1u)] = dv_4.y;
    y5[ov + ((4u * 4u) + 2u)] = dv_4.z;
    y5[ov + ((4u * 4u) + 3u)] = dv_4.w;
    y5[ov + ((5u * 4u) + 0u)] = dv_5.x;
    y5[ov + ((5u * 4u) + 1u)] = dv_5.y;
    y5[ov + ((5u * 4u) + 2u)] = dv_5.z;
    y5[ov + ((5u * 4u) + 3u)] = dv_5.w;
    y5[ov + ((6u * 4u) + 0u)] = dv_6.x;
    y5[ov + ((6u * 4u) + 1u)] = dv_6.y;
    y5[ov + ((6u * 4u) + 2u)] = dv_6.z;
    y5[ov + ((6u * 4u) + 3u)] = dv_6.w;
    y5[ov + ((7u * 4u) + 0u)] = dv_7.x;
    y5[ov + ((7u * 4u) + 1u)] = dv_7.y;
    y5[ov + ((7u * 4u) + 2u)] = dv_7.z;
    y5[ov + ((7u * 4u) + 3u)] = dv_7.w;
    y5[ov + ((8u * 4u) + 0u)] = dv_8.x;
    y5[ov + ((8u * 4u) + 1u)] = dv_8.y;
    y5[ov + ((8u * 4u) + 2u)] = dv_8.z;
    y5[ov + ((8u * 4u) + 3u)] = dv_8.w;
    y5[ov + ((9u * 4u) + 0u)] = dv_9.x;
    y5[ov + ((9u * 4u) + 1u)] = dv_9.y;
    y5[ov + ((9u * 4u) + 2u)] = dv_9.z;
    y5[ov + ((9u * 4u) + 3u)] = dv_9.w;
    y5[ov + ((10u * 4u) + 0u)] = dv_10.x;
    y5[ov + ((10u * 4u) + 1u)] = dv_10.y;
    y5[ov + ((10u * 4u) + 2u)] = dv_10.z;
    y5[ov + ((10u * 4u) + 3u)] = dv_10.w;
    y5[ov + ((11u * 4u) + 0u)] = dv_11.x;
    y5[ov + ((11u * 4u) + 1u)] = dv_11.y;
    y5[ov + ((11u * 4u) + 2u)] = dv_11.z;
    y5[ov + ((11u * 4u) + 3u)] = dv_11.w;
    y5[ov + ((12u * 4u) + 0u)] = dv_12.x;
    y5[ov + ((12u * 4u) + 1u)] = dv_12.y;
    y5[ov + ((12u * 4u) + 2u)] = dv_12.z;
    y5[ov + ((12u * 4u) + 3u)] = dv_12.w;
    y5[ov + ((13u * 4u) + 0u)] = dv_13.x;
    y5[ov + ((13u * 4u) + 1u)] = dv_13.y;
    y5[ov + ((13u * 4u) + 2u)] = dv_13.z;
    y5[ov + ((13u * 4u) + 3u)] = dv_13.w;
    y5[ov + ((14u * 4u) + 0u)] = dv_14.x;
    y5[ov + ((14u * 4u) + 1u)] = dv_14.y;
    y5[ov + ((14u * 4u) + 2u)] = dv_14.z;
    y5[ov + ((14u * 4u) + 3u)] = dv_14.w;
    y5[ov + ((15u * 4u) + 0u)] = dv_15.x;
    y5[ov + ((15u * 4u) + 1u)] = dv_15.y;
    y5[ov + ((15u * 4u) + 2u)] = dv_15.z;
    y5[ov + ((15u * 4u) + 3u)] = dv_15.w;
  }
}
