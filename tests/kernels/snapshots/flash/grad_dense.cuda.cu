// ---- launch 1 of 2, grid [4]
// label: attention_grad_q f32[1, 2, 37, 32] (flash backward 32 rows; chunks of 32; unmasked)
// params: {"head_dim":8,"head_dim_v":8}
// kernel attention_grad_q_flash
// attention_grad_q: q [1, 2, 37, 32], k [1, 2, 37, 32], v [1, 2, 37, 32], out+lse [1, 2, 37, 33], dO [1, 2, 37, 32] → dQ [1, 2, 37, 32]
// flash backward (P from the lse); one workgroup of 32 per (b, h, query tile); keys in chunks of 32; unmasked

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
  __shared__ sk::f32x4 q_rows[288];
  __shared__ sk::f32x4 do_rows[288];
  __shared__ sk::f32x4 k_tile[256];
  __shared__ sk::f32x4 v_tile[256];
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
  const unsigned q_base = t * 9u;
  for (unsigned d = 0u; d < params.head_dim; d += 1u) {
    const unsigned c0 = d * 4u;
    const float v = x0[((h * 1184u) + (rc * 32u)) + c0];
    const float v_1 = x0[((h * 1184u) + (rc * 32u)) + (c0 + 1u)];
    const float v_2 = x0[((h * 1184u) + (rc * 32u)) + (c0 + 2u)];
    const float v_3 = x0[((h * 1184u) + (rc * 32u)) + (c0 + 3u)];
    q_rows[q_base + d] = sk::f32x4{v, v_1, v_2, v_3};
  }
  const unsigned do_base = t * 9u;
  for (unsigned d_1 = 0u; d_1 < params.head_dim_v; d_1 += 1u) {
    const unsigned c0_1 = d_1 * 4u;
    const float v_4 = x1[((h * 1184u) + (rc * 32u)) + c0_1];
    const float v_5 = x1[((h * 1184u) + (rc * 32u)) + (c0_1 + 1u)];
    const float v_6 = x1[((h * 1184u) + (rc * 32u)) + (c0_1 + 2u)];
    const float v_7 = x1[((h * 1184u) + (rc * 32u)) + (c0_1 + 3u)];
    do_rows[do_base + d_1] = sk::f32x4{v_4, v_5, v_6, v_7};
  }
  const float v_8 = x2[((h * 1221u) + (rc * 33u)) + 32u];
  const float lse = v_8;
  sk::f32x4 delta = sk::splat<4>(0.0f);
  for (unsigned c = 0u; c < params.head_dim_v; c += 1u) {
    const unsigned c0_2 = c * 4u;
    const float v_9 = x2[((h * 1221u) + (rc * 33u)) + c0_2];
    const float v_10 = x2[((h * 1221u) + (rc * 33u)) + (c0_2 + 1u)];
    const float v_11 = x2[((h * 1221u) + (rc * 33u)) + (c0_2 + 2u)];
    const float v_12 = x2[((h * 1221u) + (rc * 33u)) + (c0_2 + 3u)];
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
  for (unsigned c0_3 = 0u; c0_3 < 37u; c0_3 += 32u) {
    const unsigned n = sk::min(32u, 37u - c0_3);
    for (unsigned e = t; e < (n * 8u); e += 32u) {
      const unsigned c0_4 = (e % 8u) * 4u;
      const float v_13 = x3[((h * 1184u) + ((c0_3 + (e / 8u)) * 32u)) + c0_4];
      const float v_14 = x3[((h * 1184u) + ((c0_3 + (e / 8u)) * 32u)) + (c0_4 + 1u)];
      const float v_15 = x3[((h * 1184u) + ((c0_3 + (e / 8u)) * 32u)) + (c0_4 + 2u)];
      const float v_16 = x3[((h * 1184u) + ((c0_3 + (e / 8u)) * 32u)) + (c0_4 + 3u)];
      k_tile[e] = sk::f32x4{v_13, v_14, v_15, v_16};
    }
    for (unsigned e_1 = t; e_1 < (n * 8u); e_1 += 32u) {
      const unsigned c0_5 = (e_1 % 8u) * 4u;
      const float v_17 = x4[((h * 1184u) + ((c0_3 + (e_1 / 8u)) * 32u)) + c0_5];
      const float v_18 = x4[((h * 1184u) + ((c0_3 + (e_1 / 8u)) * 32u)) + (c0_5 + 1u)];
      const float v_19 = x4[((h * 1184u) + ((c0_3 + (e_1 / 8u)) * 32u)) + (c0_5 + 2u)];
      const float v_20 = x4[((h * 1184u) + ((c0_3 + (e_1 / 8u)) * 32u)) + (c0_5 + 3u)];
      v_tile[e_1] = sk::f32x4{v_17, v_18, v_19, v_20};
    }
    __syncthreads();
    for (unsigned jj = 0u; jj < n; jj += 1u) {
      const unsigned ko = jj * 8u;
      const unsigned vo = jj * 8u;
      sk::f32x4 dot = sk::splat<4>(0.0f);
      for (unsigned d_2 = 0u; d_2 < params.head_dim; d_2 += 1u) {
        dot = sk::fma(q_rows[q_base + d_2], k_tile[ko + d_2], dot);
      }
      const float p = expf((((dot.x + dot.y) + (dot.z + dot.w)) * 0.17677669f) - lse);
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
    }
    __syncthreads();
  }
  if (live) {
    const unsigned o = ((((b * 2u) + h) * 37u) + r) * 32u;
    y5[o + ((0u * 4u) + 0u)] = (dq * sk::splat<4>(0.17677669f)).x;
    y5[o + ((0u * 4u) + 1u)] = (dq * sk::splat<4>(0.17677669f)).y;
    y5[o + ((0u * 4u) + 2u)] = (dq * sk::splat<4>(0.17677669f)).z;
    y5[o + ((0u * 4u) + 3u)] = (dq * sk::splat<4>(0.17677669f)).w;
    y5[o + ((1u * 4u) + 0u)] = (dq_1 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((1u * 4u) + 1u)] = (dq_1 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((1u * 4u) + 2u)] = (dq_1 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((1u * 4u) + 3u)] = (dq_1 * sk::splat<4>(0.17677669f)).w;
    y5[o + ((2u * 4u) + 0u)] = (dq_2 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((2u * 4u) + 1u)] = (dq_2 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((2u * 4u) + 2u)] = (dq_2 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((2u * 4u) + 3u)] = (dq_2 * sk::splat<4>(0.17677669f)).w;
    y5[o + ((3u * 4u) + 0u)] = (dq_3 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((3u * 4u) + 1u)] = (dq_3 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((3u * 4u) + 2u)] = (dq_3 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((3u * 4u) + 3u)] = (dq_3 * sk::splat<4>(0.17677669f)).w;
    y5[o + ((4u * 4u) + 0u)] = (dq_4 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((4u * 4u) + 1u)] = (dq_4 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((4u * 4u) + 2u)] = (dq_4 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((4u * 4u) + 3u)] = (dq_4 * sk::splat<4>(0.17677669f)).w;
    y5[o + ((5u * 4u) + 0u)] = (dq_5 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((5u * 4u) + 1u)] = (dq_5 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((5u * 4u) + 2u)] = (dq_5 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((5u * 4u) + 3u)] = (dq_5 * sk::splat<4>(0.17677669f)).w;
    y5[o + ((6u * 4u) + 0u)] = (dq_6 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((6u * 4u) + 1u)] = (dq_6 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((6u * 4u) + 2u)] = (dq_6 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((6u * 4u) + 3u)] = (dq_6 * sk::splat<4>(0.17677669f)).w;
    y5[o + ((7u * 4u) + 0u)] = (dq_7 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((7u * 4u) + 1u)] = (dq_7 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((7u * 4u) + 2u)] = (dq_7 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((7u * 4u) + 3u)] = (dq_7 * sk::splat<4>(0.17677669f)).w;
  }
}

// ---- launch 2 of 2, grid [4]
// label: attention_grad_kv f32[1, 2, 37, 64] (flash backward 32 rows; chunks of 32; unmasked)
// params: {"head_dim":8,"head_dim_v":8}
// kernel attention_grad_kv_flash
// attention_grad_kv: q [1, 2, 37, 32], k [1, 2, 37, 32], v [1, 2, 37, 32], out+lse [1, 2, 37, 33], dO [1, 2, 37, 32] → dK|dV [1, 2, 37, 64]
// flash backward (P from the lse); one workgroup of 32 per (b, h, key tile); queries in chunks of 32; unmasked

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
  __shared__ sk::f32x4 k_rows[288];
  __shared__ sk::f32x4 v_rows[288];
  __shared__ sk::f32x4 q_tile[256];
  __shared__ sk::f32x4 do_tile[256];
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
  const unsigned k_base = t * 9u;
  const unsigned v_base = t * 9u;
  for (unsigned d = 0u; d < params.head_dim; d += 1u) {
    const unsigned c0 = d * 4u;
    const float v = x0[((h * 1184u) + (rc * 32u)) + c0];
    const float v_1 = x0[((h * 1184u) + (rc * 32u)) + (c0 + 1u)];
    const float v_2 = x0[((h * 1184u) + (rc * 32u)) + (c0 + 2u)];
    const float v_3 = x0[((h * 1184u) + (rc * 32u)) + (c0 + 3u)];
    k_rows[k_base + d] = sk::f32x4{v, v_1, v_2, v_3};
  }
  for (unsigned d_1 = 0u; d_1 < params.head_dim_v; d_1 += 1u) {
    const unsigned c0_1 = d_1 * 4u;
    const float v_4 = x1[((h * 1184u) + (rc * 32u)) + c0_1];
    const float v_5 = x1[((h * 1184u) + (rc * 32u)) + (c0_1 + 1u)];
    const float v_6 = x1[((h * 1184u) + (rc * 32u)) + (c0_1 + 2u)];
    const float v_7 = x1[((h * 1184u) + (rc * 32u)) + (c0_1 + 3u)];
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
  sk::f32x4 dv = sk::splat<4>(0.0f);
  sk::f32x4 dv_1 = sk::splat<4>(0.0f);
  sk::f32x4 dv_2 = sk::splat<4>(0.0f);
  sk::f32x4 dv_3 = sk::splat<4>(0.0f);
  sk::f32x4 dv_4 = sk::splat<4>(0.0f);
  sk::f32x4 dv_5 = sk::splat<4>(0.0f);
  sk::f32x4 dv_6 = sk::splat<4>(0.0f);
  sk::f32x4 dv_7 = sk::splat<4>(0.0f);
  for (unsigned c0_2 = 0u; c0_2 < 37u; c0_2 += 32u) {
    const unsigned n = sk::min(32u, 37u - c0_2);
    for (unsigned e = t; e < (n * 8u); e += 32u) {
      const unsigned c0_3 = (e % 8u) * 4u;
      const float v_8 = x2[((h * 1184u) + ((c0_2 + (e / 8u)) * 32u)) + c0_3];
      const float v_9 = x2[((h * 1184u) + ((c0_2 + (e / 8u)) * 32u)) + (c0_3 + 1u)];
      const float v_10 = x2[((h * 1184u) + ((c0_2 + (e / 8u)) * 32u)) + (c0_3 + 2u)];
      const float v_11 = x2[((h * 1184u) + ((c0_2 + (e / 8u)) * 32u)) + (c0_3 + 3u)];
      q_tile[e] = sk::f32x4{v_8, v_9, v_10, v_11};
    }
    for (unsigned e_1 = t; e_1 < (n * 8u); e_1 += 32u) {
      const unsigned c0_4 = (e_1 % 8u) * 4u;
      const float v_12 = x3[((h * 1184u) + ((c0_2 + (e_1 / 8u)) * 32u)) + c0_4];
      const float v_13 = x3[((h * 1184u) + ((c0_2 + (e_1 / 8u)) * 32u)) + (c0_4 + 1u)];
      const float v_14 = x3[((h * 1184u) + ((c0_2 + (e_1 / 8u)) * 32u)) + (c0_4 + 2u)];
      const float v_15 = x3[((h * 1184u) + ((c0_2 + (e_1 / 8u)) * 32u)) + (c0_4 + 3u)];
      do_tile[e_1] = sk::f32x4{v_12, v_13, v_14, v_15};
    }
    __syncthreads();
    for (unsigned ii = t; ii < n; ii += 32u) {
      const unsigned i = c0_2 + ii;
      const float v_16 = x4[((h * 1221u) + (i * 33u)) + 32u];
      lse_tile[ii] = v_16;
      sk::f32x4 delta = sk::splat<4>(0.0f);
      for (unsigned c = 0u; c < params.head_dim_v; c += 1u) {
        const unsigned c0_5 = c * 4u;
        const float v_17 = x4[((h * 1221u) + (i * 33u)) + c0_5];
        const float v_18 = x4[((h * 1221u) + (i * 33u)) + (c0_5 + 1u)];
        const float v_19 = x4[((h * 1221u) + (i * 33u)) + (c0_5 + 2u)];
        const float v_20 = x4[((h * 1221u) + (i * 33u)) + (c0_5 + 3u)];
        delta = sk::fma(do_tile[(ii * 8u) + c], sk::f32x4{v_17, v_18, v_19, v_20}, delta);
      }
      delta_tile[ii] = (delta.x + delta.y) + (delta.z + delta.w);
    }
    __syncthreads();
    for (unsigned ii_1 = 0u; ii_1 < n; ii_1 += 1u) {
      const unsigned qo = ii_1 * 8u;
      const unsigned go = ii_1 * 8u;
      sk::f32x4 dot = sk::splat<4>(0.0f);
      for (unsigned d_2 = 0u; d_2 < params.head_dim; d_2 += 1u) {
        dot = sk::fma(q_tile[qo + d_2], k_rows[k_base + d_2], dot);
      }
      const float p = expf((((dot.x + dot.y) + (dot.z + dot.w)) * 0.17677669f) - lse_tile[ii_1]);
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
      const sk::f32x4 ds = sk::splat<4>(p * (((dp.x + dp.y) + (dp.z + dp.w)) - delta_tile[ii_1]));
      dk = sk::fma(ds, q_tile[qo + 0u], dk);
      dk_1 = sk::fma(ds, q_tile[qo + 1u], dk_1);
      dk_2 = sk::fma(ds, q_tile[qo + 2u], dk_2);
      dk_3 = sk::fma(ds, q_tile[qo + 3u], dk_3);
      dk_4 = sk::fma(ds, q_tile[qo + 4u], dk_4);
      dk_5 = sk::fma(ds, q_tile[qo + 5u], dk_5);
      dk_6 = sk::fma(ds, q_tile[qo + 6u], dk_6);
      dk_7 = sk::fma(ds, q_tile[qo + 7u], dk_7);
    }
    __syncthreads();
  }
  if (live) {
    const unsigned o = ((((b * 2u) + h) * 37u) + r) * 64u;
    y5[o + ((0u * 4u) + 0u)] = (dk * sk::splat<4>(0.17677669f)).x;
    y5[o + ((0u * 4u) + 1u)] = (dk * sk::splat<4>(0.17677669f)).y;
    y5[o + ((0u * 4u) + 2u)] = (dk * sk::splat<4>(0.17677669f)).z;
    y5[o + ((0u * 4u) + 3u)] = (dk * sk::splat<4>(0.17677669f)).w;
    y5[o + ((1u * 4u) + 0u)] = (dk_1 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((1u * 4u) + 1u)] = (dk_1 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((1u * 4u) + 2u)] = (dk_1 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((1u * 4u) + 3u)] = (dk_1 * sk::splat<4>(0.17677669f)).w;
    y5[o + ((2u * 4u) + 0u)] = (dk_2 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((2u * 4u) + 1u)] = (dk_2 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((2u * 4u) + 2u)] = (dk_2 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((2u * 4u) + 3u)] = (dk_2 * sk::splat<4>(0.17677669f)).w;
    y5[o + ((3u * 4u) + 0u)] = (dk_3 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((3u * 4u) + 1u)] = (dk_3 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((3u * 4u) + 2u)] = (dk_3 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((3u * 4u) + 3u)] = (dk_3 * sk::splat<4>(0.17677669f)).w;
    y5[o + ((4u * 4u) + 0u)] = (dk_4 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((4u * 4u) + 1u)] = (dk_4 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((4u * 4u) + 2u)] = (dk_4 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((4u * 4u) + 3u)] = (dk_4 * sk::splat<4>(0.17677669f)).w;
    y5[o + ((5u * 4u) + 0u)] = (dk_5 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((5u * 4u) + 1u)] = (dk_5 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((5u * 4u) + 2u)] = (dk_5 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((5u * 4u) + 3u)] = (dk_5 * sk::splat<4>(0.17677669f)).w;
    y5[o + ((6u * 4u) + 0u)] = (dk_6 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((6u * 4u) + 1u)] = (dk_6 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((6u * 4u) + 2u)] = (dk_6 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((6u * 4u) + 3u)] = (dk_6 * sk::splat<4>(0.17677669f)).w;
    y5[o + ((7u * 4u) + 0u)] = (dk_7 * sk::splat<4>(0.17677669f)).x;
    y5[o + ((7u * 4u) + 1u)] = (dk_7 * sk::splat<4>(0.17677669f)).y;
    y5[o + ((7u * 4u) + 2u)] = (dk_7 * sk::splat<4>(0.17677669f)).z;
    y5[o + ((7u * 4u) + 3u)] = (dk_7 * sk::splat<4>(0.17677669f)).w;
    const unsigned ov = o + 32u;
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
  }
}
