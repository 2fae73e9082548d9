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
// label: attention_qknorm f32[2, 2, 37, 20] (flash 32×32; full and partial lists of 32×32 tiles)
// params: {"head_dim":20,"head_dim_v":20,"rotary_half":5}
// kernel attention_qknorm_flash
// attention_qknorm: q [2, 2, 37, 20], k [2, 2, 37, 20], v [2, 2, 37, 20] → out [2, 2, 37, 20]
// flash (online softmax); one workgroup of 32 per (b, h, query tile); keys in chunks of 32; full and partial lists of 32×32 tiles
// prologue: per-head LayerNorm (eps 0.00001) and rotary (dim 10, base 10000) of q and k tiles

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
  __shared__ float k_tile[640];
  __shared__ float v_tile[640];
  __shared__ unsigned k_mask[32];
  __shared__ float scores[1024];
  __shared__ float inv_freq[5];
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
    inv_freq[1u] = 0.15848932f;
    inv_freq[2u] = 0.025118863f;
    inv_freq[3u] = 0.003981071f;
    inv_freq[4u] = 0.00063095725f;
  }
  __syncthreads();
  float q = 0.0f;
  float q_1 = 0.0f;
  float q_2 = 0.0f;
  float q_3 = 0.0f;
  float q_4 = 0.0f;
  float q_5 = 0.0f;
  float q_6 = 0.0f;
  float q_7 = 0.0f;
  float q_8 = 0.0f;
  float q_9 = 0.0f;
  float q_10 = 0.0f;
  float q_11 = 0.0f;
  float q_12 = 0.0f;
  float q_13 = 0.0f;
  float q_14 = 0.0f;
  float q_15 = 0.0f;
  float q_16 = 0.0f;
  float q_17 = 0.0f;
  float q_18 = 0.0f;
  float q_19 = 0.0f;
  const float v = x0[((b * 1480u) + (h * 740u)) + (iq * 20u)];
  q = v;
  const float v_1 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 1u];
  q_1 = v_1;
  const float v_2 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 2u];
  q_2 = v_2;
  const float v_3 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 3u];
  q_3 = v_3;
  const float v_4 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 4u];
  q_4 = v_4;
  const float v_5 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 5u];
  q_5 = v_5;
  const float v_6 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 6u];
  q_6 = v_6;
  const float v_7 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 7u];
  q_7 = v_7;
  const float v_8 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 8u];
  q_8 = v_8;
  const float v_9 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 9u];
  q_9 = v_9;
  const float v_10 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 10u];
  q_10 = v_10;
  const float v_11 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 11u];
  q_11 = v_11;
  const float v_12 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 12u];
  q_12 = v_12;
  const float v_13 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 13u];
  q_13 = v_13;
  const float v_14 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 14u];
  q_14 = v_14;
  const float v_15 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 15u];
  q_15 = v_15;
  const float v_16 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 16u];
  q_16 = v_16;
  const float v_17 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 17u];
  q_17 = v_17;
  const float v_18 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 18u];
  q_18 = v_18;
  const float v_19 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 19u];
  q_19 = v_19;
  float mean = 0.0f;
  mean = mean + q;
  mean = mean + q_1;
  mean = mean + q_2;
  mean = mean + q_3;
  mean = mean + q_4;
  mean = mean + q_5;
  mean = mean + q_6;
  mean = mean + q_7;
  mean = mean + q_8;
  mean = mean + q_9;
  mean = mean + q_10;
  mean = mean + q_11;
  mean = mean + q_12;
  mean = mean + q_13;
  mean = mean + q_14;
  mean = mean + q_15;
  mean = mean + q_16;
  mean = mean + q_17;
  mean = mean + q_18;
  mean = mean + q_19;
  mean = mean / 20.0f;
  float var_1 = 0.0f;
  const float c = q - mean;
  var_1 = fmaf(c, c, var_1);
  const float c_1 = q_1 - mean;
  var_1 = fmaf(c_1, c_1, var_1);
  const float c_2 = q_2 - mean;
  var_1 = fmaf(c_2, c_2, var_1);
  const float c_3 = q_3 - mean;
  var_1 = fmaf(c_3, c_3, var_1);
  const float c_4 = q_4 - mean;
  var_1 = fmaf(c_4, c_4, var_1);
  const float c_5 = q_5 - mean;
  var_1 = fmaf(c_5, c_5, var_1);
  const float c_6 = q_6 - mean;
  var_1 = fmaf(c_6, c_6, var_1);
  const float c_7 = q_7 - mean;
  var_1 = fmaf(c_7, c_7, var_1);
  const float c_8 = q_8 - mean;
  var_1 = fmaf(c_8, c_8, var_1);
  const float c_9 = q_9 - mean;
  var_1 = fmaf(c_9, c_9, var_1);
  const float c_10 = q_10 - mean;
  var_1 = fmaf(c_10, c_10, var_1);
  const float c_11 = q_11 - mean;
  var_1 = fmaf(c_11, c_11, var_1);
  const float c_12 = q_12 - mean;
  var_1 = fmaf(c_12, c_12, var_1);
  const float c_13 = q_13 - mean;
  var_1 = fmaf(c_13, c_13, var_1);
  const float c_14 = q_14 - mean;
  var_1 = fmaf(c_14, c_14, var_1);
  const float c_15 = q_15 - mean;
  var_1 = fmaf(c_15, c_15, var_1);
  const float c_16 = q_16 - mean;
  var_1 = fmaf(c_16, c_16, var_1);
  const float c_17 = q_17 - mean;
  var_1 = fmaf(c_17, c_17, var_1);
  const float c_18 = q_18 - mean;
  var_1 = fmaf(c_18, c_18, var_1);
  const float c_19 = q_19 - mean;
  var_1 = fmaf(c_19, c_19, var_1);
  const float rstd = rsqrtf((var_1 / 20.0f) + 1e-5f);
  const float v_20 = x1[0u];
  const float v_21 = x2[0u];
  q = fmaf((q - mean) * rstd, v_20, v_21);
  const float v_22 = x1[1u];
  const float v_23 = x2[1u];
  q_1 = fmaf((q_1 - mean) * rstd, v_22, v_23);
  const float v_24 = x1[2u];
  const float v_25 = x2[2u];
  q_2 = fmaf((q_2 - mean) * rstd, v_24, v_25);
  const float v_26 = x1[3u];
  const float v_27 = x2[3u];
  q_3 = fmaf((q_3 - mean) * rstd, v_26, v_27);
  const float v_28 = x1[4u];
  const float v_29 = x2[4u];
  q_4 = fmaf((q_4 - mean) * rstd, v_28, v_29);
  const float v_30 = x1[5u];
  const float v_31 = x2[5u];
  q_5 = fmaf((q_5 - mean) * rstd, v_30, v_31);
  const float v_32 = x1[6u];
  const float v_33 = x2[6u];
  q_6 = fmaf((q_6 - mean) * rstd, v_32, v_33);
  const float v_34 = x1[7u];
  const float v_35 = x2[7u];
  q_7 = fmaf((q_7 - mean) * rstd, v_34, v_35);
  const float v_36 = x1[8u];
  const float v_37 = x2[8u];
  q_8 = fmaf((q_8 - mean) * rstd, v_36, v_37);
  const float v_38 = x1[9u];
  const float v_39 = x2[9u];
  q_9 = fmaf((q_9 - mean) * rstd, v_38, v_39);
  const float v_40 = x1[10u];
  const float v_41 = x2[10u];
  q_10 = fmaf((q_10 - mean) * rstd, v_40, v_41);
  const float v_42 = x1[11u];
  const float v_43 = x2[11u];
  q_11 = fmaf((q_11 - mean) * rstd, v_42, v_43);
  const float v_44 = x1[12u];
  const float v_45 = x2[12u];
  q_12 = fmaf((q_12 - mean) * rstd, v_44, v_45);
  const float v_46 = x1[13u];
  const float v_47 = x2[13u];
  q_13 = fmaf((q_13 - mean) * rstd, v_46, v_47);
  const float v_48 = x1[14u];
  const float v_49 = x2[14u];
  q_14 = fmaf((q_14 - mean) * rstd, v_48, v_49);
  const float v_50 = x1[15u];
  const float v_51 = x2[15u];
  q_15 = fmaf((q_15 - mean) * rstd, v_50, v_51);
  const float v_52 = x1[16u];
  const float v_53 = x2[16u];
  q_16 = fmaf((q_16 - mean) * rstd, v_52, v_53);
  const float v_54 = x1[17u];
  const float v_55 = x2[17u];
  q_17 = fmaf((q_17 - mean) * rstd, v_54, v_55);
  const float v_56 = x1[18u];
  const float v_57 = x2[18u];
  q_18 = fmaf((q_18 - mean) * rstd, v_56, v_57);
  const float v_58 = x1[19u];
  const float v_59 = x2[19u];
  q_19 = fmaf((q_19 - mean) * rstd, v_58, v_59);
  const int v_60 = x3[iq];
  const float p = sk::to_f32(v_60);
  const float quadrant = rintf((p * inv_freq[0u]) * 0.63661975f);
  const float red = (((p * inv_freq[0u]) - (quadrant * 1.5703125f)) - (quadrant * 0.0004837513f)) - (quadrant * 7.54979e-8f);
  const float z = red * red;
  const float s_r = fmaf(red * z, fmaf(z, fmaf(z, -0.00019515296f, 0.008332161f), -0.16666655f), red);
  const float c_r = fmaf(z * z, fmaf(z, fmaf(z, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fmaf(z, -0.5f, 1.0f));
  const int q_20 = sk::to_i32(quadrant) & 3;
  const float sin_t = ((q_20 & 1) != 0 ? c_r : s_r);
  const float cos_t = ((q_20 & 1) != 0 ? s_r : c_r);
  const float x1_1 = q;
  const float x2_1 = q_5;
  q = (x1_1 * ((q_20 == 1) || (q_20 == 2) ? -cos_t : cos_t)) - (x2_1 * (q_20 >= 2 ? -sin_t : sin_t));
  q_5 = (x2_1 * ((q_20 == 1) || (q_20 == 2) ? -cos_t : cos_t)) + (x1_1 * (q_20 >= 2 ? -sin_t : sin_t));
  const float quadrant_1 = rintf((p * inv_freq[1u]) * 0.63661975f);
  const float red_1 = (((p * inv_freq[1u]) - (quadrant_1 * 1.5703125f)) - (quadrant_1 * 0.0004837513f)) - (quadrant_1 * 7.54979e-8f);
  const float z_1 = red_1 * red_1;
  const float s_r_1 = fmaf(red_1 * z_1, fmaf(z_1, fmaf(z_1, -0.00019515296f, 0.008332161f), -0.16666655f), red_1);
  const float c_r_1 = fmaf(z_1 * z_1, fmaf(z_1, fmaf(z_1, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fmaf(z_1, -0.5f, 1.0f));
  const int q_21 = sk::to_i32(quadrant_1) & 3;
  const float sin_t_1 = ((q_21 & 1) != 0 ? c_r_1 : s_r_1);
  const float cos_t_1 = ((q_21 & 1) != 0 ? s_r_1 : c_r_1);
  const float x1_2 = q_1;
  const float x2_2 = q_6;
  q_1 = (x1_2 * ((q_21 == 1) || (q_21 == 2) ? -cos_t_1 : cos_t_1)) - (x2_2 * (q_21 >= 2 ? -sin_t_1 : sin_t_1));
  q_6 = (x2_2 * ((q_21 == 1) || (q_21 == 2) ? -cos_t_1 : cos_t_1)) + (x1_2 * (q_21 >= 2 ? -sin_t_1 : sin_t_1));
  const float quadrant_2 = rintf((p * inv_freq[2u]) * 0.63661975f);
  const float red_2 = (((p * inv_freq[2u]) - (quadrant_2 * 1.5703125f)) - (quadrant_2 * 0.0004837513f)) - (quadrant_2 * 7.54979e-8f);
  const float z_2 = red_2 * red_2;
  const float s_r_2 = fmaf(red_2 * z_2, fmaf(z_2, fmaf(z_2, -0.00019515296f, 0.008332161f), -0.16666655f), red_2);
  const float c_r_2 = fmaf(z_2 * z_2, fmaf(z_2, fmaf(z_2, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fmaf(z_2, -0.5f, 1.0f));
  const int q_22 = sk::to_i32(quadrant_2) & 3;
  const float sin_t_2 = ((q_22 & 1) != 0 ? c_r_2 : s_r_2);
  const float cos_t_2 = ((q_22 & 1) != 0 ? s_r_2 : c_r_2);
  const float x1_3 = q_2;
  const float x2_3 = q_7;
  q_2 = (x1_3 * ((q_22 == 1) || (q_22 == 2) ? -cos_t_2 : cos_t_2)) - (x2_3 * (q_22 >= 2 ? -sin_t_2 : sin_t_2));
  q_7 = (x2_3 * ((q_22 == 1) || (q_22 == 2) ? -cos_t_2 : cos_t_2)) + (x1_3 * (q_22 >= 2 ? -sin_t_2 : sin_t_2));
  const float quadrant_3 = rintf((p * inv_freq[3u]) * 0.63661975f);
  const float red_3 = (((p * inv_freq[3u]) - (quadrant_3 * 1.5703125f)) - (quadrant_3 * 0.0004837513f)) - (quadrant_3 * 7.54979e-8f);
  const float z_3 = red_3 * red_3;
  const float s_r_3 = fmaf(red_3 * z_3, fmaf(z_3, fmaf(z_3, -0.00019515296f, 0.008332161f), -0.16666655f), red_3);
  const float c_r_3 = fmaf(z_3 * z_3, fmaf(z_3, fmaf(z_3, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fmaf(z_3, -0.5f, 1.0f));
  const int q_23 = sk::to_i32(quadrant_3) & 3;
  const float sin_t_3 = ((q_23 & 1) != 0 ? c_r_3 : s_r_3);
  const float cos_t_3 = ((q_23 & 1) != 0 ? s_r_3 : c_r_3);
  const float x1_4 = q_3;
  const float x2_4 = q_8;
  q_3 = (x1_4 * ((q_23 == 1) || (q_23 == 2) ? -cos_t_3 : cos_t_3)) - (x2_4 * (q_23 >= 2 ? -sin_t_3 : sin_t_3));
  q_8 = (x2_4 * ((q_23 == 1) || (q_23 == 2) ? -cos_t_3 : cos_t_3)) + (x1_4 * (q_23 >= 2 ? -sin_t_3 : sin_t_3));
  const float quadrant_4 = rintf((p * inv_freq[4u]) * 0.63661975f);
  const float red_4 = (((p * inv_freq[4u]) - (quadrant_4 * 1.5703125f)) - (quadrant_4 * 0.0004837513f)) - (quadrant_4 * 7.54979e-8f);
  const float z_4 = red_4 * red_4;
  const float s_r_4 = fmaf(red_4 * z_4, fmaf(z_4, fmaf(z_4, -0.00019515296f, 0.008332161f), -0.16666655f), red_4);
  const float c_r_4 = fmaf(z_4 * z_4, fmaf(z_4, fmaf(z_4, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fmaf(z_4, -0.5f, 1.0f));
  const int q_24 = sk::to_i32(quadrant_4) & 3;
  const float sin_t_4 = ((q_24 & 1) != 0 ? c_r_4 : s_r_4);
  const float cos_t_4 = ((q_24 & 1) != 0 ? s_r_4 : c_r_4);
  const float x1_5 = q_4;
  const float x2_5 = q_9;
  q_4 = (x1_5 * ((q_24 == 1) || (q_24 == 2) ? -cos_t_4 : cos_t_4)) - (x2_5 * (q_24 >= 2 ? -sin_t_4 : sin_t_4));
  q_9 = (x2_5 * ((q_24 == 1) || (q_24 == 2) ? -cos_t_4 : cos_t_4)) + (x1_5 * (q_24 >= 2 ? -sin_t_4 : sin_t_4));
  q = q * 0.2236068f;
  q_1 = q_1 * 0.2236068f;
  q_2 = q_2 * 0.2236068f;
  q_3 = q_3 * 0.2236068f;
  q_4 = q_4 * 0.2236068f;
  q_5 = q_5 * 0.2236068f;
  q_6 = q_6 * 0.2236068f;
  q_7 = q_7 * 0.2236068f;
  q_8 = q_8 * 0.2236068f;
  q_9 = q_9 * 0.2236068f;
  q_10 = q_10 * 0.2236068f;
  q_11 = q_11 * 0.2236068f;
  q_12 = q_12 * 0.2236068f;
  q_13 = q_13 * 0.2236068f;
  q_14 = q_14 * 0.2236068f;
  q_15 = q_15 * 0.2236068f;
  q_16 = q_16 * 0.2236068f;
  q_17 = q_17 * 0.2236068f;
  q_18 = q_18 * 0.2236068f;
  q_19 = q_19 * 0.2236068f;
  unsigned word = 0u;
  for (unsigned s = 0u; s < 3u; s += 1u) {
    const int v_61 = x4[(b * 9u) + (s * 3u)];
    const int kind = v_61;
    const int v_62 = x4[((b * 9u) + (s * 3u)) + 1u];
    const int v_63 = x4[((b * 9u) + (s * 3u)) + 2u];
    const bool in = (pos_q >= v_62) && (pos_q < v_63);
    word = word | (in ? (kind == 1 ? 1u : (kind == 3 ? 2u : (kind == 4 ? 4u : (kind == 2 ? sk::shl(1u, s + 3u) : 0u)))) : 0u);
  }
  const unsigned q_mask = word;
  float m = -1e+30f;
  float l = 0.0f;
  float acc = 0.0f;
  float acc_1 = 0.0f;
  float acc_2 = 0.0f;
  float acc_3 = 0.0f;
  float acc_4 = 0.0f;
  float acc_5 = 0.0f;
  float acc_6 = 0.0f;
  float acc_7 = 0.0f;
  float acc_8 = 0.0f;
  float acc_9 = 0.0f;
  float acc_10 = 0.0f;
  float acc_11 = 0.0f;
  float acc_12 = 0.0f;
  float acc_13 = 0.0f;
  float acc_14 = 0.0f;
  float acc_15 = 0.0f;
  float acc_16 = 0.0f;
  float acc_17 = 0.0f;
  float acc_18 = 0.0f;
  float acc_19 = 0.0f;
  const int v_64 = x5[(b * 12u) + (qt * 6u)];
  const unsigned n_partial = sk::to_u32(v_64);
  const int v_65 = x5[((b * 12u) + (qt * 6u)) + 3u];
  const unsigned n_full = sk::to_u32(v_65);
  for (unsigned e = 0u; e < (n_full + n_partial); e += 1u) {
    const bool partial = e >= n_full;
    const int v_66 = x5[((b * 12u) + (qt * 6u)) + (partial ? (e - n_full) + 1u : e + 4u)];
    const unsigned kt = sk::to_u32(v_66);
    const unsigned t0 = kt * 32u;
    const unsigned k0 = sk::max(t0, 27u) - 27u;
    for (unsigned c0 = k0; c0 < sk::min((t0 + 32u) - 27u, 37u); c0 += 32u) {
      const unsigned n = sk::min(32u, sk::min((t0 + 32u) - 27u, 37u) - c0);
      for (unsigned r = t; r < n; r += 32u) {
        const unsigned j = c0 + r;
        const unsigned o = r * 20u;
        for (unsigned d = 0u; d < params.head_dim; d += 1u) {
          const float v_67 = x6[(((b * 1480u) + (h * 740u)) + (j * 20u)) + d];
          k_tile[o + d] = v_67;
        }
        float mean_1 = 0.0f;
        for (unsigned d_1 = 0u; d_1 < params.head_dim; d_1 += 1u) {
          mean_1 = mean_1 + k_tile[o + d_1];
        }
        mean_1 = mean_1 / 20.0f;
        float var_2 = 0.0f;
        for (unsigned d_2 = 0u; d_2 < params.head_dim; d_2 += 1u) {
          const float c_20 = k_tile[o + d_2] - mean_1;
          var_2 = fmaf(c_20, c_20, var_2);
        }
        const float rstd_1 = rsqrtf((var_2 / 20.0f) + 1e-5f);
        for (unsigned d_3 = 0u; d_3 < params.head_dim; d_3 += 1u) {
          const float v_68 = x7[d_3];
          const float v_69 = x8[d_3];
          k_tile[o + d_3] = fmaf((k_tile[o + d_3] - mean_1) * rstd_1, v_68, v_69);
        }
      }
      __syncthreads();
      for (unsigned e_1 = t; e_1 < (n * params.rotary_half); e_1 += 32u) {
        const unsigned r_1 = sk::div(e_1, params.rotary_half);
        const unsigned pair = sk::rem(e_1, params.rotary_half);
        const int v_70 = x3[c0 + r_1];
        const float quadrant_5 = rintf((sk::to_f32(v_70) * inv_freq[pair]) * 0.63661975f);
        const float red_5 = (((sk::to_f32(v_70) * inv_freq[pair]) - (quadrant_5 * 1.5703125f)) - (quadrant_5 * 0.0004837513f)) - (quadrant_5 * 7.54979e-8f);
        const float z_5 = red_5 * red_5;
        const float s_r_5 = fmaf(red_5 * z_5, fmaf(z_5, fmaf(z_5, -0.00019515296f, 0.008332161f), -0.16666655f), red_5);
        const float c_r_5 = fmaf(z_5 * z_5, fmaf(z_5, fmaf(z_5, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fmaf(z_5, -0.5f, 1.0f));
        const int q_25 = sk::to_i32(quadrant_5) & 3;
        const float sin_t_5 = ((q_25 & 1) != 0 ? c_r_5 : s_r_5);
        const float cos_t_5 = ((q_25 & 1) != 0 ? s_r_5 : c_r_5);
        const float cs = ((q_25 == 1) || (q_25 == 2) ? -cos_t_5 : cos_t_5);
        const float sn = (q_25 >= 2 ? -sin_t_5 : sin_t_5);
        const unsigned i1 = (r_1 * 20u) + pair;
        const unsigned i2 = (r_1 * 20u) + (pair + 5u);
        const float x1_6 = k_tile[i1];
        const float x2_6 = k_tile[i2];
        k_tile[i1] = (x1_6 * cs) - (x2_6 * sn);
        k_tile[i2] = (x2_6 * cs) + (x1_6 * sn);
      }
      for (unsigned e_2 = t; e_2 < (n * 20u); e_2 += 32u) {
        const float v_71 = x9[(((b * 1480u) + (h * 740u)) + ((c0 + (e_2 / 20u)) * 20u)) + (e_2 % 20u)];
        v_tile[e_2] = v_71;
      }
      if (partial) {
        for (unsigned r_2 = t; r_2 < n; r_2 += 32u) {
          unsigned word_1 = 0u;
          for (unsigned s_1 = 0u; s_1 < 3u; s_1 += 1u) {
            const int v_72 = x4[(b * 9u) + (s_1 * 3u)];
            const int kind_1 = v_72;
            const int v_73 = x4[((b * 9u) + (s_1 * 3u)) + 1u];
            const int v_74 = x4[((b * 9u) + (s_1 * 3u)) + 2u];
            const bool in_1 = (sk::to_i32(c0 + r_2) >= v_73) && (sk::to_i32(c0 + r_2) < v_74);
            word_1 = word_1 | (in_1 ? (kind_1 == 1 ? 1u : (kind_1 == 3 ? 2u : (kind_1 == 4 ? 4u : (kind_1 == 2 ? sk::shl(1u, s_1 + 3u) : 0u)))) : 0u);
          }
          k_mask[r_2] = word_1;
        }
      }
      __syncthreads();
      const unsigned so = t * 32u;
      float mx = -1e+30f;
      if (partial) {
        for (unsigned jj = 0u; jj < n; jj += 1u) {
          const unsigned ko = jj * 20u;
          float dot = 0.0f;
          dot = fmaf(q, k_tile[ko + 0u], dot);
          dot = fmaf(q_1, k_tile[ko + 1u], dot);
          dot = fmaf(q_2, k_tile[ko + 2u], dot);
          dot = fmaf(q_3, k_tile[ko + 3u], dot);
          dot = fmaf(q_4, k_tile[ko + 4u], dot);
          dot = fmaf(q_5, k_tile[ko + 5u], dot);
          dot = fmaf(q_6, k_tile[ko + 6u], dot);
          dot = fmaf(q_7, k_tile[ko + 7u], dot);
          dot = fmaf(q_8, k_tile[ko + 8u], dot);
          dot = fmaf(q_9, k_tile[ko + 9u], dot);
          dot = fmaf(q_10, k_tile[ko + 10u], dot);
          dot = fmaf(q_11, k_tile[ko + 11u], dot);
          dot = fmaf(q_12, k_tile[ko + 12u], dot);
          dot = fmaf(q_13, k_tile[ko + 13u], dot);
          dot = fmaf(q_14, k_tile[ko + 14u], dot);
          dot = fmaf(q_15, k_tile[ko + 15u], dot);
          dot = fmaf(q_16, k_tile[ko + 16u], dot);
          dot = fmaf(q_17, k_tile[ko + 17u], dot);
          dot = fmaf(q_18, k_tile[ko + 18u], dot);
          dot = fmaf(q_19, k_tile[ko + 19u], dot);
          const bool ok = (!((((q_mask & 4u) != 0u) || ((k_mask[jj] & 4u) != 0u)) || (((k_mask[jj] & 1u) != 0u) && (!((q_mask & 1u) != 0u))))) && (((sk::to_i32(c0 + jj) <= pos_q) || (((k_mask[jj] >> 3u) & (q_mask >> 3u)) != 0u)) || ((k_mask[jj] & 2u) != 0u));
          const float s_2 = (ok ? dot : -1e+30f);
          scores[so + jj] = s_2;
          mx = fmaxf(mx, s_2);
        }
      } else {
        for (unsigned jj_1 = 0u; jj_1 < n; jj_1 += 1u) {
          const unsigned ko_1 = jj_1 * 20u;
          float dot_1 = 0.0f;
          dot_1 = fmaf(q, k_tile[ko_1 + 0u], dot_1);
          dot_1 = fmaf(q_1, k_tile[ko_1 + 1u], dot_1);
          dot_1 = fmaf(q_2, k_tile[ko_1 + 2u], dot_1);
          dot_1 = fmaf(q_3, k_tile[ko_1 + 3u], dot_1);
          dot_1 = fmaf(q_4, k_tile[ko_1 + 4u], dot_1);
          dot_1 = fmaf(q_5, k_tile[ko_1 + 5u], dot_1);
          dot_1 = fmaf(q_6, k_tile[ko_1 + 6u], dot_1);
          dot_1 = fmaf(q_7, k_tile[ko_1 + 7u], dot_1);
          dot_1 = fmaf(q_8, k_tile[ko_1 + 8u], dot_1);
          dot_1 = fmaf(q_9, k_tile[ko_1 + 9u], dot_1);
          dot_1 = fmaf(q_10, k_tile[ko_1 + 10u], dot_1);
          dot_1 = fmaf(q_11, k_tile[ko_1 + 11u], dot_1);
          dot_1 = fmaf(q_12, k_tile[ko_1 + 12u], dot_1);
          dot_1 = fmaf(q_13, k_tile[ko_1 + 13u], dot_1);
          dot_1 = fmaf(q_14, k_tile[ko_1 + 14u], dot_1);
          dot_1 = fmaf(q_15, k_tile[ko_1 + 15u], dot_1);
          dot_1 = fmaf(q_16, k_tile[ko_1 + 16u], dot_1);
          dot_1 = fmaf(q_17, k_tile[ko_1 + 17u], dot_1);
          dot_1 = fmaf(q_18, k_tile[ko_1 + 18u], dot_1);
          dot_1 = fmaf(q_19, k_tile[ko_1 + 19u], dot_1);
          const float s_3 = dot_1;
          scores[so + jj_1] = s_3;
          mx = fmaxf(mx, s_3);
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
      acc_6 = acc_6 * alpha;
      acc_7 = acc_7 * alpha;
      acc_8 = acc_8 * alpha;
      acc_9 = acc_9 * alpha;
      acc_10 = acc_10 * alpha;
      acc_11 = acc_11 * alpha;
      acc_12 = acc_12 * alpha;
      acc_13 = acc_13 * alpha;
      acc_14 = acc_14 * alpha;
      acc_15 = acc_15 * alpha;
      acc_16 = acc_16 * alpha;
      acc_17 = acc_17 * alpha;
      acc_18 = acc_18 * alpha;
      acc_19 = acc_19 * alpha;
      for (unsigned jj_2 = 0u; jj_2 < n; jj_2 += 1u) {
        const float s_4 = scores[so + jj_2];
        const float p_1 = (s_4 <= (-5e+29f) ? 0.0f : expf(s_4 - m_new));
        l = l + p_1;
        const unsigned vo = jj_2 * 20u;
        acc = fmaf(p_1, v_tile[vo + 0u], acc);
        acc_1 = fmaf(p_1, v_tile[vo + 1u], acc_1);
        acc_2 = fmaf(p_1, v_tile[vo + 2u], acc_2);
        acc_3 = fmaf(p_1, v_tile[vo + 3u], acc_3);
        acc_4 = fmaf(p_1, v_tile[vo + 4u], acc_4);
        acc_5 = fmaf(p_1, v_tile[vo + 5u], acc_5);
        acc_6 = fmaf(p_1, v_tile[vo + 6u], acc_6);
        acc_7 = fmaf(p_1, v_tile[vo + 7u], acc_7);
        acc_8 = fmaf(p_1, v_tile[vo + 8u], acc_8);
        acc_9 = fmaf(p_1, v_tile[vo + 9u], acc_9);
        acc_10 = fmaf(p_1, v_tile[vo + 10u], acc_10);
        acc_11 = fmaf(p_1, v_tile[vo + 11u], acc_11);
        acc_12 = fmaf(p_1, v_tile[vo + 12u], acc_12);
        acc_13 = fmaf(p_1, v_tile[vo + 13u], acc_13);
        acc_14 = fmaf(p_1, v_tile[vo + 14u], acc_14);
        acc_15 = fmaf(p_1, v_tile[vo + 15u], acc_15);
        acc_16 = fmaf(p_1, v_tile[vo + 16u], acc_16);
        acc_17 = fmaf(p_1, v_tile[vo + 17u], acc_17);
        acc_18 = fmaf(p_1, v_tile[vo + 18u], acc_18);
        acc_19 = fmaf(p_1, v_tile[vo + 19u], acc_19);
      }
      m = m_new;
      __syncthreads();
    }
  }
  const bool empty = l == 0.0f;
  const float inv_l = (empty ? 0.0f : 1.0f / l);
  if (live) {
    const unsigned o_1 = ((((b * 2u) + h) * 37u) + i) * 20u;
    y10[o_1 + 0u] = (empty ? 0.0f : acc * inv_l);
    y10[o_1 + 1u] = (empty ? 0.0f : acc_1 * inv_l);
    y10[o_1 + 2u] = (empty ? 0.0f : acc_2 * inv_l);
    y10[o_1 + 3u] = (empty ? 0.0f : acc_3 * inv_l);
    y10[o_1 + 4u] = (empty ? 0.0f : acc_4 * inv_l);
    y10[o_1 + 5u] = (empty ? 0.0f : acc_5 * inv_l);
    y10[o_1 + 6u] = (empty ? 0.0f : acc_6 * inv_l);
    y10[o_1 + 7u] = (empty ? 0.0f : acc_7 * inv_l);
    y10[o_1 + 8u] = (empty ? 0.0f : acc_8 * inv_l);
    y10[o_1 + 9u] = (empty ? 0.0f : acc_9 * inv_l);
    y10[o_1 + 10u] = (empty ? 0.0f : acc_10 * inv_l);
    y10[o_1 + 11u] = (empty ? 0.0f : acc_11 * inv_l);
    y10[o_1 + 12u] = (empty ? 0.0f : acc_12 * inv_l);
    y10[o_1 + 13u] = (empty ? 0.0f : acc_13 * inv_l);
    y10[o_1 + 14u] = (empty ? 0.0f : acc_14 * inv_l);
    y10[o_1 + 15u] = (empty ? 0.0f : acc_15 * inv_l);
    y10[o_1 + 16u] = (empty ? 0.0f : acc_16 * inv_l);
    y10[o_1 + 17u] = (empty ? 0.0f : acc_17 * inv_l);
    y10[o_1 + 18u] = (empty ? 0.0f : acc_18 * inv_l);
    y10[o_1 + 19u] = (empty ? 0.0f : acc_19 * inv_l);
  }
}
