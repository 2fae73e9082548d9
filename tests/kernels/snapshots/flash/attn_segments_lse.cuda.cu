// ---- launch 1 of 1, grid [6]
// label: attention f32[2, 1, 70, 33] (flash blocked 32×32; every key masked (no lists))
// params: {"head_groups":8,"key_groups":8}
// kernel attention_flash
// attention: q [2, 1, 70, 32], k [2, 1, 70, 32], v [2, 1, 70, 32] → out [2, 1, 70, 33] (column Dv: log-sum-exp)
// flash, register-blocked: one workgroup of 64 per (b, h, 32-row query tile); keys in chunks of 32; 4×4 score blocks, 4×4 output blocks; every key masked (no lists)

struct attention_flash_Params {
  unsigned head_groups;
  unsigned key_groups;
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(64) attention_flash(
    const sk::f32x4* __restrict__ x0_v4,
    const int* __restrict__ x1,
    const sk::f32x4* __restrict__ x2_v4,
    const sk::f32x4* __restrict__ x3_v4,
    float* __restrict__ y4,
    const attention_flash_Params params) {
  __shared__ sk::f32x4 q_tile[256];
  __shared__ sk::f32x4 k_tile[256];
  __shared__ sk::f32x4 v_tile[256];
  __shared__ sk::f32x4 p_tile[256];
  __shared__ float row_max[32];
  __shared__ float row_sum[32];
  __shared__ float row_alpha[32];
  __shared__ unsigned q_mask[32];
  __shared__ unsigned k_mask[32];
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  const unsigned t = threadIdx.x;
  const unsigned wg = wg_linear;
  const unsigned qt = wg % 3u;
  const unsigned h = 0u;
  const unsigned b = wg / 3u;
  const unsigned row0 = qt * 32u;
  for (unsigned e = t; e < 256u; e += 64u) {
    const unsigned i = sk::min(row0 + (e / 8u), 69u);
    q_tile[e] = x0_v4[((((b + h) * 70u) + i) * 8u) + (e % 8u)] * 0.17677669f;
  }
  for (unsigned r = t; r < 32u; r += 64u) {
    row_max[r] = -1e+30f;
    row_sum[r] = 0.0f;
    unsigned word = 0u;
    for (unsigned s = 0u; s < 3u; s += 1u) {
      const int v = x1[(b * 9u) + (s * 3u)];
      const int kind = v;
      const int v_1 = x1[((b * 9u) + (s * 3u)) + 1u];
      const int v_2 = x1[((b * 9u) + (s * 3u)) + 2u];
      const bool in = ((sk::add(sk::to_i32(row0 + r), 0)) >= v_1) && ((sk::add(sk::to_i32(row0 + r), 0)) < v_2);
      word = word | (in ? (kind == 1 ? 1u : (kind == 3 ? 2u : (kind == 4 ? 4u : (kind == 2 ? sk::shl(1u, s + 3u) : 0u)))) : 0u);
    }
    q_mask[r] = word;
  }
  __syncthreads();
  const unsigned sr0 = (t / 8u) * 4u;
  const unsigned sk0 = (t % 8u) * 4u;
  const unsigned or0 = (t / 8u) * 4u;
  const unsigned oc = t % 8u;
  sk::f32x4 acc = sk::splat<4>(0.0f);
  sk::f32x4 acc_1 = sk::splat<4>(0.0f);
  sk::f32x4 acc_2 = sk::splat<4>(0.0f);
  sk::f32x4 acc_3 = sk::splat<4>(0.0f);
  const int pos_q = sk::add(sk::to_i32(row0 + (sr0 + 0u)), 0);
  const int pos_q_1 = sk::add(sk::to_i32(row0 + (sr0 + 1u)), 0);
  const int pos_q_2 = sk::add(sk::to_i32(row0 + (sr0 + 2u)), 0);
  const int pos_q_3 = sk::add(sk::to_i32(row0 + (sr0 + 3u)), 0);
  const unsigned q_word = q_mask[sr0 + 0u];
  const unsigned q_word_1 = q_mask[sr0 + 1u];
  const unsigned q_word_2 = q_mask[sr0 + 2u];
  const unsigned q_word_3 = q_mask[sr0 + 3u];
  for (unsigned c0 = 0u; c0 < 70u; c0 += 32u) {
    const unsigned n = sk::min(32u, 70u - c0);
    for (unsigned e_1 = t; e_1 < 256u; e_1 += 64u) {
      const unsigned j = sk::min(c0 + (e_1 / 8u), 69u);
      k_tile[e_1] = x2_v4[((((b + h) * 70u) + j) * 8u) + (e_1 % 8u)];
    }
    for (unsigned e_2 = t; e_2 < 256u; e_2 += 64u) {
      const unsigned j_1 = sk::min(c0 + (e_2 / 8u), 69u);
      v_tile[e_2] = x3_v4[((((b + h) * 70u) + j_1) * 8u) + (e_2 % 8u)];
    }
    for (unsigned r_1 = t; r_1 < 32u; r_1 += 64u) {
      unsigned word_1 = 0u;
      for (unsigned s_1 = 0u; s_1 < 3u; s_1 += 1u) {
        const int v_3 = x1[(b * 9u) + (s_1 * 3u)];
        const int kind_1 = v_3;
        const int v_4 = x1[((b * 9u) + (s_1 * 3u)) + 1u];
        const int v_5 = x1[((b * 9u) + (s_1 * 3u)) + 2u];
        const bool in_1 = (sk::to_i32(c0 + r_1) >= v_4) && (sk::to_i32(c0 + r_1) < v_5);
        word_1 = word_1 | (in_1 ? (kind_1 == 1 ? 1u : (kind_1 == 3 ? 2u : (kind_1 == 4 ? 4u : (kind_1 == 2 ? sk::shl(1u, s_1 + 3u) : 0u)))) : 0u);
      }
      k_mask[r_1] = word_1;
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
    for (unsigned g = 0u; g < params.head_groups; g += 1u) {
      const sk::f32x4 kv = k_tile[((sk0 + 0u) * 8u) + g];
      const sk::f32x4 kv_1 = k_tile[((sk0 + 1u) * 8u) + g];
      const sk::f32x4 kv_2 = k_tile[((sk0 + 2u) * 8u) + g];
      const sk::f32x4 kv_3 = k_tile[((sk0 + 3u) * 8u) + g];
      const sk::f32x4 qv = q_tile[((sr0 + 0u) * 8u) + g];
      s_2 = fmaf(qv.w, kv.w, fmaf(qv.z, kv.z, fmaf(qv.y, kv.y, fmaf(qv.x, kv.x, s_2))));
      s_3 = fmaf(qv.w, kv_1.w, fmaf(qv.z, kv_1.z, fmaf(qv.y, kv_1.y, fmaf(qv.x, kv_1.x, s_3))));
      s_4 = fmaf(qv.w, kv_2.w, fmaf(qv.z, kv_2.z, fmaf(qv.y, kv_2.y, fmaf(qv.x, kv_2.x, s_4))));
      s_5 = fmaf(qv.w, kv_3.w, fmaf(qv.z, kv_3.z, fmaf(qv.y, kv_3.y, fmaf(qv.x, kv_3.x, s_5))));
      const sk::f32x4 qv_1 = q_tile[((sr0 + 1u) * 8u) + g];
      s_6 = fmaf(qv_1.w, kv.w, fmaf(qv_1.z, kv.z, fmaf(qv_1.y, kv.y, fmaf(qv_1.x, kv.x, s_6))));
      s_7 = fmaf(qv_1.w, kv_1.w, fmaf(qv_1.z, kv_1.z, fmaf(qv_1.y, kv_1.y, fmaf(qv_1.x, kv_1.x, s_7))));
      s_8 = fmaf(qv_1.w, kv_2.w, fmaf(qv_1.z, kv_2.z, fmaf(qv_1.y, kv_2.y, fmaf(qv_1.x, kv_2.x, s_8))));
      s_9 = fmaf(qv_1.w, kv_3.w, fmaf(qv_1.z, kv_3.z, fmaf(qv_1.y, kv_3.y, fmaf(qv_1.x, kv_3.x, s_9))));
      const sk::f32x4 qv_2 = q_tile[((sr0 + 2u) * 8u) + g];
      s_10 = fmaf(qv_2.w, kv.w, fmaf(qv_2.z, kv.z, fmaf(qv_2.y, kv.y, fmaf(qv_2.x, kv.x, s_10))));
      s_11 = fmaf(qv_2.w, kv_1.w, fmaf(qv_2.z, kv_1.z, fmaf(qv_2.y, kv_1.y, fmaf(qv_2.x, kv_1.x, s_11))));
      s_12 = fmaf(qv_2.w, kv_2.w, fmaf(qv_2.z, kv_2.z, fmaf(qv_2.y, kv_2.y, fmaf(qv_2.x, kv_2.x, s_12))));
      s_13 = fmaf(qv_2.w, kv_3.w, fmaf(qv_2.z, kv_3.z, fmaf(qv_2.y, kv_3.y, fmaf(qv_2.x, kv_3.x, s_13))));
      const sk::f32x4 qv_3 = q_tile[((sr0 + 3u) * 8u) + g];
      s_14 = fmaf(qv_3.w, kv.w, fmaf(qv_3.z, kv.z, fmaf(qv_3.y, kv.y, fmaf(qv_3.x, kv.x, s_14))));
      s_15 = fmaf(qv_3.w, kv_1.w, fmaf(qv_3.z, kv_1.z, fmaf(qv_3.y, kv_1.y, fmaf(qv_3.x, kv_1.x, s_15))));
      s_16 = fmaf(qv_3.w, kv_2.w, fmaf(qv_3.z, kv_2.z, fmaf(qv_3.y, kv_2.y, fmaf(qv_3.x, kv_2.x, s_16))));
      s_17 = fmaf(qv_3.w, kv_3.w, fmaf(qv_3.z, kv_3.z, fmaf(qv_3.y, kv_3.y, fmaf(qv_3.x, kv_3.x, s_17))));
    }
    const bool in_chunk = (sk0 + 0u) < n;
    const bool in_chunk_1 = (sk0 + 1u) < n;
    const bool in_chunk_2 = (sk0 + 2u) < n;
    const bool in_chunk_3 = (sk0 + 3u) < n;
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
    for (unsigned r_2 = t; r_2 < 32u; r_2 += 64u) {
      const unsigned o = r_2 * 8u;
      const float m_old = row_max[r_2];
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
      row_sum[r_2] = fmaf(row_sum[r_2], alpha, (sum.x + sum.y) + (sum.z + sum.w));
      row_max[r_2] = mx;
      row_alpha[r_2] = alpha;
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
      const unsigned vo = ((kg * 4u) + 0u) * 8u;
      const sk::f32x4 vv = v_tile[vo + oc];
      acc = acc + (pv.x * vv);
      acc_1 = acc_1 + (pv_1.x * vv);
      acc_2 = acc_2 + (pv_2.x * vv);
      acc_3 = acc_3 + (pv_3.x * vv);
      const unsigned vo_1 = ((kg * 4u) + 1u) * 8u;
      const sk::f32x4 vv_1 = v_tile[vo_1 + oc];
      acc = acc + (pv.y * vv_1);
      acc_1 = acc_1 + (pv_1.y * vv_1);
      acc_2 = acc_2 + (pv_2.y * vv_1);
      acc_3 = acc_3 + (pv_3.y * vv_1);
      const unsigned vo_2 = ((kg * 4u) + 2u) * 8u;
      const sk::f32x4 vv_2 = v_tile[vo_2 + oc];
      acc = acc + (pv.z * vv_2);
      acc_1 = acc_1 + (pv_1.z * vv_2);
      acc_2 = acc_2 + (pv_2.z * vv_2);
      acc_3 = acc_3 + (pv_3.z * vv_2);
      const unsigned vo_3 = ((kg * 4u) + 3u) * 8u;
      const sk::f32x4 vv_3 = v_tile[vo_3 + oc];
      acc = acc + (pv.w * vv_3);
      acc_1 = acc_1 + (pv_1.w * vv_3);
      acc_2 = acc_2 + (pv_2.w * vv_3);
      acc_3 = acc_3 + (pv_3.w * vv_3);
    }
    __syncthreads();
  }
  for (unsigned r_3 = t; r_3 < 32u; r_3 += 64u) {
    const float l = row_sum[r_3];
    const bool empty = l == 0.0f;
    row_alpha[r_3] = (empty ? 0.0f : 1.0f / l);
    const unsigned row = row0 + r_3;
    if (row < 70u) {
      y4[((((b + h) * 70u) + row) * 33u) + 32u] = (empty ? -1e+30f : row_max[r_3] + logf(l));
    }
  }
  __syncthreads();
  const unsigned row_1 = row0 + (or0 + 0u);
  const float inv_l = row_alpha[or0 + 0u];
  const bool empty_1 = inv_l == 0.0f;
  if (row_1 < 70u) {
    const unsigned o_1 = (((b + h) * 70u) + row_1) * 33u;
    const sk::f32x4 y = acc * inv_l;
    y4[o_1 + ((oc * 4u) + 0u)] = (empty_1 ? 0.0f : y.x);
    y4[o_1 + ((oc * 4u) + 1u)] = (empty_1 ? 0.0f : y.y);
    y4[o_1 + ((oc * 4u) + 2u)] = (empty_1 ? 0.0f : y.z);
    y4[o_1 + ((oc * 4u) + 3u)] = (empty_1 ? 0.0f : y.w);
  }
  const unsigned row_2 = row0 + (or0 + 1u);
  const float inv_l_1 = row_alpha[or0 + 1u];
  const bool empty_2 = inv_l_1 == 0.0f;
  if (row_2 < 70u) {
    const unsigned o_2 = (((b + h) * 70u) + row_2) * 33u;
    const sk::f32x4 y_1 = acc_1 * inv_l_1;
    y4[o_2 + ((oc * 4u) + 0u)] = (empty_2 ? 0.0f : y_1.x);
    y4[o_2 + ((oc * 4u) + 1u)] = (empty_2 ? 0.0f : y_1.y);
    y4[o_2 + ((oc * 4u) + 2u)] = (empty_2 ? 0.0f : y_1.z);
    y4[o_2 + ((oc * 4u) + 3u)] = (empty_2 ? 0.0f : y_1.w);
  }
  const unsigned row_3 = row0 + (or0 + 2u);
  const float inv_l_2 = row_alpha[or0 + 2u];
  const bool empty_3 = inv_l_2 == 0.0f;
  if (row_3 < 70u) {
    const unsigned o_3 = (((b + h) * 70u) + row_3) * 33u;
    const sk::f32x4 y_2 = acc_2 * inv_l_2;
    y4[o_3 + ((oc * 4u) + 0u)] = (empty_3 ? 0.0f : y_2.x);
    y4[o_3 + ((oc * 4u) + 1u)] = (empty_3 ? 0.0f : y_2.y);
    y4[o_3 + ((oc * 4u) + 2u)] = (empty_3 ? 0.0f : y_2.z);
    y4[o_3 + ((oc * 4u) + 3u)] = (empty_3 ? 0.0f : y_2.w);
  }
  const unsigned row_4 = row0 + (or0 + 3u);
  const float inv_l_3 = row_alpha[or0 + 3u];
  const bool empty_4 = inv_l_3 == 0.0f;
  if (row_4 < 70u) {
    const unsigned o_4 = (((b + h) * 70u) + row_4) * 33u;
    const sk::f32x4 y_3 = acc_3 * inv_l_3;
    y4[o_4 + ((oc * 4u) + 0u)] = (empty_4 ? 0.0f : y_3.x);
    y4[o_4 + ((oc * 4u) + 1u)] = (empty_4 ? 0.0f : y_3.y);
    y4[o_4 + ((oc * 4u) + 2u)] = (empty_4 ? 0.0f : y_3.z);
    y4[o_4 + ((oc * 4u) + 3u)] = (empty_4 ? 0.0f : y_3.w);
  }
}
