// ---- launch 1 of 1, grid [4]
// label: attention f32[1, 2, 37, 24] (flash blocked 32×32; no partial tiles: unmasked loop only)
// params: {"head_groups":6,"key_groups":8}
// kernel attention_flash
// attention: q [1, 2, 37, 24], k [1, 2, 37, 24], v [1, 2, 37, 24] → out [1, 2, 37, 24]
// flash, register-blocked: one workgroup of 64 per (b, h, 32-row query tile); keys in chunks of 32; 4×4 score blocks, 4×4 output blocks; no partial tiles: unmasked loop only

struct attention_flash_Params {
  unsigned head_groups;
  unsigned key_groups;
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(64) attention_flash(
    const sk::f32x4* __restrict__ x0_v4,
    const sk::f32x4* __restrict__ x1_v4,
    const sk::f32x4* __restrict__ x2_v4,
    float* __restrict__ y3,
    const attention_flash_Params params) {
  __shared__ sk::f32x4 q_tile[192];
  __shared__ sk::f32x4 k_tile[192];
  __shared__ sk::f32x4 v_tile[192];
  __shared__ sk::f32x4 p_tile[256];
  __shared__ float row_max[32];
  __shared__ float row_sum[32];
  __shared__ float row_alpha[32];
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
  for (unsigned e = t; e < 192u; e += 64u) {
    const unsigned i = sk::min(row0 + (e / 6u), 36u);
    q_tile[e] = x0_v4[(((((b * 2u) + h) * 37u) + i) * 6u) + (e % 6u)] * 0.20412415f;
  }
  for (unsigned r = t; r < 32u; r += 64u) {
    row_max[r] = -1e+30f;
    row_sum[r] = 0.0f;
  }
  __syncthreads();
  const unsigned sr0 = (t / 8u) * 4u;
  const unsigned sk0 = (t % 8u) * 4u;
  const unsigned or0 = (t / 8u) * 4u;
  const bool oc_in = (t % 8u) < 6u;
  const unsigned oc = sk::min(t % 8u, 5u);
  sk::f32x4 acc = sk::splat<4>(0.0f);
  sk::f32x4 acc_1 = sk::splat<4>(0.0f);
  sk::f32x4 acc_2 = sk::splat<4>(0.0f);
  sk::f32x4 acc_3 = sk::splat<4>(0.0f);
  const int pos_q = sk::add(sk::to_i32(row0 + (sr0 + 0u)), 0);
  const int pos_q_1 = sk::add(sk::to_i32(row0 + (sr0 + 1u)), 0);
  const int pos_q_2 = sk::add(sk::to_i32(row0 + (sr0 + 2u)), 0);
  const int pos_q_3 = sk::add(sk::to_i32(row0 + (sr0 + 3u)), 0);
  for (unsigned c0 = 0u; c0 < 37u; c0 += 32u) {
    const unsigned n = sk::min(32u, 37u - c0);
    for (unsigned e_1 = t; e_1 < 192u; e_1 += 64u) {
      const unsigned j = sk::min(c0 + (e_1 / 6u), 36u);
      k_tile[e_1] = x1_v4[(((((b * 2u) + h) * 37u) + j) * 6u) + (e_1 % 6u)];
    }
    for (unsigned e_2 = t; e_2 < 192u; e_2 += 64u) {
      const unsigned j_1 = sk::min(c0 + (e_2 / 6u), 36u);
      v_tile[e_2] = x2_v4[(((((b * 2u) + h) * 37u) + j_1) * 6u) + (e_2 % 6u)];
    }
    __syncthreads();
    float s = 0.0f;
    float s_1 = 0.0f;
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
    for (unsigned g = 0u; g < params.head_groups; g += 1u) {
      const sk::f32x4 kv = k_tile[((sk0 + 0u) * 6u) + g];
      const sk::f32x4 kv_1 = k_tile[((sk0 + 1u) * 6u) + g];
      const sk::f32x4 kv_2 = k_tile[((sk0 + 2u) * 6u) + g];
      const sk::f32x4 kv_3 = k_tile[((sk0 + 3u) * 6u) + g];
      const sk::f32x4 qv = q_tile[((sr0 + 0u) * 6u) + g];
      s = fmaf(qv.w, kv.w, fmaf(qv.z, kv.z, fmaf(qv.y, kv.y, fmaf(qv.x, kv.x, s))));
      s_1 = fmaf(qv.w, kv_1.w, fmaf(qv.z, kv_1.z, fmaf(qv.y, kv_1.y, fmaf(qv.x, kv_1.x, s_1))));
      s_2 = fmaf(qv.w, kv_2.w, fmaf(qv.z, kv_2.z, fmaf(qv.y, kv_2.y, fmaf(qv.x, kv_2.x, s_2))));
      s_3 = fmaf(qv.w, kv_3.w, fmaf(qv.z, kv_3.z, fmaf(qv.y, kv_3.y, fmaf(qv.x, kv_3.x, s_3))));
      const sk::f32x4 qv_1 = q_tile[((sr0 + 1u) * 6u) + g];
      s_4 = fmaf(qv_1.w, kv.w, fmaf(qv_1.z, kv.z, fmaf(qv_1.y, kv.y, fmaf(qv_1.x, kv.x, s_4))));
      s_5 = fmaf(qv_1.w, kv_1.w, fmaf(qv_1.z, kv_1.z, fmaf(qv_1.y, kv_1.y, fmaf(qv_1.x, kv_1.x, s_5))));
      s_6 = fmaf(qv_1.w, kv_2.w, fmaf(qv_1.z, kv_2.z, fmaf(qv_1.y, kv_2.y, fmaf(qv_1.x, kv_2.x, s_6))));
      s_7 = fmaf(qv_1.w, kv_3.w, fmaf(qv_1.z, kv_3.z, fmaf(qv_1.y, kv_3.y, fmaf(qv_1.x, kv_3.x, s_7))));
      const sk::f32x4 qv_2 = q_tile[((sr0 + 2u) * 6u) + g];
      s_8 = fmaf(qv_2.w, kv.w, fmaf(qv_2.z, kv.z, fmaf(qv_2.y, kv.y, fmaf(qv_2.x, kv.x, s_8))));
      s_9 = fmaf(qv_2.w, kv_1.w, fmaf(qv_2.z, kv_1.z, fmaf(qv_2.y, kv_1.y, fmaf(qv_2.x, kv_1.x, s_9))));
      s_10 = fmaf(qv_2.w, kv_2.w, fmaf(qv_2.z, kv_2.z, fmaf(qv_2.y, kv_2.y, fmaf(qv_2.x, kv_2.x, s_10))));
      s_11 = fmaf(qv_2.w, kv_3.w, fmaf(qv_2.z, kv_3.z, fmaf(qv_2.y, kv_3.y, fmaf(qv_2.x, kv_3.x, s_11))));
      const sk::f32x4 qv_3 = q_tile[((sr0 + 3u) * 6u) + g];
      s_12 = fmaf(qv_3.w, kv.w, fmaf(qv_3.z, kv.z, fmaf(qv_3.y, kv.y, fmaf(qv_3.x, kv.x, s_12))));
      s_13 = fmaf(qv_3.w, kv_1.w, fmaf(qv_3.z, kv_1.z, fmaf(qv_3.y, kv_1.y, fmaf(qv_3.x, kv_1.x, s_13))));
      s_14 = fmaf(qv_3.w, kv_2.w, fmaf(qv_3.z, kv_2.z, fmaf(qv_3.y, kv_2.y, fmaf(qv_3.x, kv_2.x, s_14))));
      s_15 = fmaf(qv_3.w, kv_3.w, fmaf(qv_3.z, kv_3.z, fmaf(qv_3.y, kv_3.y, fmaf(qv_3.x, kv_3.x, s_15))));
    }
    const bool in_chunk = (sk0 + 0u) < n;
    const bool in_chunk_1 = (sk0 + 1u) < n;
    const bool in_chunk_2 = (sk0 + 2u) < n;
    const bool in_chunk_3 = (sk0 + 3u) < n;
    const int pos_k = sk::to_i32(c0 + (sk0 + 0u));
    const int pos_k_1 = sk::to_i32(c0 + (sk0 + 1u));
    const int pos_k_2 = sk::to_i32(c0 + (sk0 + 2u));
    const int pos_k_3 = sk::to_i32(c0 + (sk0 + 3u));
    p_tile[((sr0 + 0u) * 8u) + ((sk0 / 4u) + 0u)] = sk::f32x4{(in_chunk ? s : -1e+30f), (in_chunk_1 ? s_1 : -1e+30f), (in_chunk_2 ? s_2 : -1e+30f), (in_chunk_3 ? s_3 : -1e+30f)};
    p_tile[((sr0 + 1u) * 8u) + ((sk0 / 4u) + 0u)] = sk::f32x4{(in_chunk ? s_4 : -1e+30f), (in_chunk_1 ? s_5 : -1e+30f), (in_chunk_2 ? s_6 : -1e+30f), (in_chunk_3 ? s_7 : -1e+30f)};
    p_tile[((sr0 + 2u) * 8u) + ((sk0 / 4u) + 0u)] = sk::f32x4{(in_chunk ? s_8 : -1e+30f), (in_chunk_1 ? s_9 : -1e+30f), (in_chunk_2 ? s_10 : -1e+30f), (in_chunk_3 ? s_11 : -1e+30f)};
    p_tile[((sr0 + 3u) * 8u) + ((sk0 / 4u) + 0u)] = sk::f32x4{(in_chunk ? s_12 : -1e+30f), (in_chunk_1 ? s_13 : -1e+30f), (in_chunk_2 ? s_14 : -1e+30f), (in_chunk_3 ? s_15 : -1e+30f)};
    __syncthreads();
    for (unsigned r_1 = t; r_1 < 32u; r_1 += 64u) {
      const unsigned o = r_1 * 8u;
      const float m_old = row_max[r_1];
      float mx = m_old;
      const sk::f32x4 sv = p_tile[o + 0u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv.x, sv.y), fmaxf(sv.z, sv.w)));
      const sk::f32x4 sv_1 = p_tile[o + 1u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_1.x, sv_1.y), fmaxf(sv_1.z, sv_1.w)));
      const sk::f32x4 sv_2 = p_tile[o + 2u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_2.x, sv_2.y), fmaxf(sv_2.z, sv_2.w)));
      const sk::f32x4 sv_3 = p_tile[o + 3u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_3.x, sv_3.y), fmaxf(sv_3.z, sv_3.w)));
      const sk::f32x4 sv_4 = p_tile[o + 4u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_4.x, sv_4.y), fmaxf(sv_4.z, sv_4.w)));
      const sk::f32x4 sv_5 = p_tile[o + 5u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_5.x, sv_5.y), fmaxf(sv_5.z, sv_5.w)));
      const sk::f32x4 sv_6 = p_tile[o + 6u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_6.x, sv_6.y), fmaxf(sv_6.z, sv_6.w)));
      const sk::f32x4 sv_7 = p_tile[o + 7u];
      mx = fmaxf(mx, fmaxf(fmaxf(sv_7.x, sv_7.y), fmaxf(sv_7.z, sv_7.w)));
      const float alpha = (m_old > (-5e+29f) ? expf(m_old - mx) : 0.0f);
      sk::f32x4 sum = sk::splat<4>(0.0f);
      const sk::f32x4 sv_8 = p_tile[o + 0u];
      const sk::f32x4 p = sk::f32x4{(sv_8.x <= (-5e+29f) ? 0.0f : expf(sv_8.x - mx)), (sv_8.y <= (-5e+29f) ? 0.0f : expf(sv_8.y - mx)), (sv_8.z <= (-5e+29f) ? 0.0f : expf(sv_8.z - mx)), (sv_8.w <= (-5e+29f) ? 0.0f : expf(sv_8.w - mx))};
      p_tile[o + 0u] = p;
      sum = sum + p;
      const sk::f32x4 sv_9 = p_tile[o + 1u];
      const sk::f32x4 p_1 = sk::f32x4{(sv_9.x <= (-5e+29f) ? 0.0f : expf(sv_9.x - mx)), (sv_9.y <= (-5e+29f) ? 0.0f : expf(sv_9.y - mx)), (sv_9.z <= (-5e+29f) ? 0.0f : expf(sv_9.z - mx)), (sv_9.w <= (-5e+29f) ? 0.0f : expf(sv_9.w - mx))};
      p_tile[o + 1u] = p_1;
      sum = sum + p_1;
      const sk::f32x4 sv_10 = p_tile[o + 2u];
      const sk::f32x4 p_2 = sk::f32x4{(sv_10.x <= (-5e+29f) ? 0.0f : expf(sv_10.x - mx)), (sv_10.y <= (-5e+29f) ? 0.0f : expf(sv_10.y - mx)), (sv_10.z <= (-5e+29f) ? 0.0f : expf(sv_10.z - mx)), (sv_10.w <= (-5e+29f) ? 0.0f : expf(sv_10.w - mx))};
      p_tile[o + 2u] = p_2;
      sum = sum + p_2;
      const sk::f32x4 sv_11 = p_tile[o + 3u];
      const sk::f32x4 p_3 = sk::f32x4{(sv_11.x <= (-5e+29f) ? 0.0f : expf(sv_11.x - mx)), (sv_11.y <= (-5e+29f) ? 0.0f : expf(sv_11.y - mx)), (sv_11.z <= (-5e+29f) ? 0.0f : expf(sv_11.z - mx)), (sv_11.w <= (-5e+29f) ? 0.0f : expf(sv_11.w - mx))};
      p_tile[o + 3u] = p_3;
      sum = sum + p_3;
      const sk::f32x4 sv_12 = p_tile[o + 4u];
      const sk::f32x4 p_4 = sk::f32x4{(sv_12.x <= (-5e+29f) ? 0.0f : expf(sv_12.x - mx)), (sv_12.y <= (-5e+29f) ? 0.0f : expf(sv_12.y - mx)), (sv_12.z <= (-5e+29f) ? 0.0f : expf(sv_12.z - mx)), (sv_12.w <= (-5e+29f) ? 0.0f : expf(sv_12.w - mx))};
      p_tile[o + 4u] = p_4;
      sum = sum + p_4;
      const sk::f32x4 sv_13 = p_tile[o + 5u];
      const sk::f32x4 p_5 = sk::f32x4{(sv_13.x <= (-5e+29f) ? 0.0f : expf(sv_13.x - mx)), (sv_13.y <= (-5e+29f) ? 0.0f : expf(sv_13.y - mx)), (sv_13.z <= (-5e+29f) ? 0.0f : expf(sv_13.z - mx)), (sv_13.w <= (-5e+29f) ? 0.0f : expf(sv_13.w - mx))};
      p_tile[o + 5u] = p_5;
      sum = sum + p_5;
      const sk::f32x4 sv_14 = p_tile[o + 6u];
      const sk::f32x4 p_6 = sk::f32x4{(sv_14.x <= (-5e+29f) ? 0.0f : expf(sv_14.x - mx)), (sv_14.y <= (-5e+29f) ? 0.0f : expf(sv_14.y - mx)), (sv_14.z <= (-5e+29f) ? 0.0f : expf(sv_14.z - mx)), (sv_14.w <= (-5e+29f) ? 0.0f : expf(sv_14.w - mx))};
      p_tile[o + 6u] = p_6;
      sum = sum + p_6;
      const sk::f32x4 sv_15 = p_tile[o + 7u];
      const sk::f32x4 p_7 = sk::f32x4{(sv_15.x <= (-5e+29f) ? 0.0f : expf(sv_15.x - mx)), (sv_15.y <= (-5e+29f) ? 0.0f : expf(sv_15.y - mx)), (sv_15.z <= (-5e+29f) ? 0.0f : expf(sv_15.z - mx)), (sv_15.w <= (-5e+29f) ? 0.0f : expf(sv_15.w - mx))};
      p_tile[o + 7u] = p_7;
      sum = sum + p_7;
      row_sum[r_1] = fmaf(row_sum[r_1], alpha, (sum.x + sum.y) + (sum.z + sum.w));
      row_max[r_1] = mx;
      row_alpha[r_1] = alpha;
    }
    __syncthreads();
    const float alpha_1 = row_alpha[or0 + 0u];
    acc = acc * alpha_1;
    const float alpha_2 = row_alpha[or0 + 1u];
    acc_1 = acc_1 * alpha_2;
    const float alpha_3 = row_alpha[or0 + 2u];
    acc_2 = acc_2 * alpha_3;
    const float alpha_4 = row_alpha[or0 + 3u];
    acc_3 = acc_3 * alpha_4;
    for (unsigned kg = 0u; kg < params.key_groups; kg += 1u) {
      const sk::f32x4 pv = p_tile[((or0 + 0u) * 8u) + kg];
      const sk::f32x4 pv_1 = p_tile[((or0 + 1u) * 8u) + kg];
      const sk::f32x4 pv_2 = p_tile[((or0 + 2u) * 8u) + kg];
      const sk::f32x4 pv_3 = p_tile[((or0 + 3u) * 8u) + kg];
      const unsigned vo = ((kg * 4u) + 0u) * 6u;
      const sk::f32x4 vv = v_tile[vo + oc];
      acc = acc + (pv.x * vv);
      acc_1 = acc_1 + (pv_1.x * vv);
      acc_2 = acc_2 + (pv_2.x * vv);
      acc_3 = acc_3 + (pv_3.x * vv);
      const unsigned vo_1 = ((kg * 4u) + 1u) * 6u;
      const sk::f32x4 vv_1 = v_tile[vo_1 + oc];
      acc = acc + (pv.y * vv_1);
      acc_1 = acc_1 + (pv_1.y * vv_1);
      acc_2 = acc_2 + (pv_2.y * vv_1);
      acc_3 = acc_3 + (pv_3.y * vv_1);
      const unsigned vo_2 = ((kg * 4u) + 2u) * 6u;
      const sk::f32x4 vv_2 = v_tile[vo_2 + oc];
      acc = acc + (pv.z * vv_2);
      acc_1 = acc_1 + (pv_1.z * vv_2);
      acc_2 = acc_2 + (pv_2.z * vv_2);
      acc_3 = acc_3 + (pv_3.z * vv_2);
      const unsigned vo_3 = ((kg * 4u) + 3u) * 6u;
      const sk::f32x4 vv_3 = v_tile[vo_3 + oc];
      acc = acc + (pv.w * vv_3);
      acc_1 = acc_1 + (pv_1.w * vv_3);
      acc_2 = acc_2 + (pv_2.w * vv_3);
      acc_3 = acc_3 + (pv_3.w * vv_3);
    }
    __syncthreads();
  }
  for (unsigned r_2 = t; r_2 < 32u; r_2 += 64u) {
    const float l = row_sum[r_2];
    const bool empty = l == 0.0f;
    row_alpha[r_2] = (empty ? 0.0f : 1.0f / l);
  }
  __syncthreads();
  const unsigned row = row0 + (or0 + 0u);
  const float inv_l = row_alpha[or0 + 0u];
  const bool empty_1 = inv_l == 0.0f;
  if (row < 37u) {
    const unsigned o_1 = ((((b * 2u) + h) * 37u) + row) * 24u;
    if (oc_in) {
      const sk::f32x4 y = acc * inv_l;
      y3[o_1 + ((oc * 4u) + 0u)] = (empty_1 ? 0.0f : y.x);
      y3[o_1 + ((oc * 4u) + 1u)] = (empty_1 ? 0.0f : y.y);
      y3[o_1 + ((oc * 4u) + 2u)] = (empty_1 ? 0.0f : y.z);
      y3[o_1 + ((oc * 4u) + 3u)] = (empty_1 ? 0.0f : y.w);
    }
  }
  const unsigned row_1 = row0 + (or0 + 1u);
  const float inv_l_1 = row_alpha[or0 + 1u];
  const bool empty_2 = inv_l_1 == 0.0f;
  if (row_1 < 37u) {
    const unsigned o_2 = ((((b * 2u) + h) * 37u) + row_1) * 24u;
    if (oc_in) {
      const sk::f32x4 y_1 = acc_1 * inv_l_1;
      y3[o_2 + ((oc * 4u) + 0u)] = (empty_2 ? 0.0f : y_1.x);
      y3[o_2 + ((oc * 4u) + 1u)] = (empty_2 ? 0.0f : y_1.y);
      y3[o_2 + ((oc * 4u) + 2u)] = (empty_2 ? 0.0f : y_1.z);
      y3[o_2 + ((oc * 4u) + 3u)] = (empty_2 ? 0.0f : y_1.w);
    }
  }
  const unsigned row_2 = row0 + (or0 + 2u);
  const float inv_l_2 = row_alpha[or0 + 2u];
  const bool empty_3 = inv_l_2 == 0.0f;
  if (row_2 < 37u) {
    const unsigned o_3 = ((((b * 2u) + h) * 37u) + row_2) * 24u;
    if (oc_in) {
      const sk::f32x4 y_2 = acc_2 * inv_l_2;
      y3[o_3 + ((oc * 4u) + 0u)] = (empty_3 ? 0.0f : y_2.x);
      y3[o_3 + ((oc * 4u) + 1u)] = (empty_3 ? 0.0f : y_2.y);
      y3[o_3 + ((oc * 4u) + 2u)] = (empty_3 ? 0.0f : y_2.z);
      y3[o_3 + ((oc * 4u) + 3u)] = (empty_3 ? 0.0f : y_2.w);
    }
  }
  const unsigned row_3 = row0 + (or0 + 3u);
  const float inv_l_3 = row_alpha[or0 + 3u];
  const bool empty_4 = inv_l_3 == 0.0f;
  if (row_3 < 37u) {
    const unsigned o_4 = ((((b * 2u) + h) * 37u) + row_3) * 24u;
    if (oc_in) {
      const sk::f32x4 y_3 = acc_3 * inv_l_3;
      y3[o_4 + ((oc * 4u) + 0u)] = (empty_4 ? 0.0f : y_3.x);
      y3[o_4 + ((oc * 4u) + 1u)] = (empty_4 ? 0.0f : y_3.y);
      y3[o_4 + ((oc * 4u) + 2u)] = (empty_4 ? 0.0f : y_3.z);
      y3[o_4 + ((oc * 4u) + 3u)] = (empty_4 ? 0.0f : y_3.w);
    }
  }
}
