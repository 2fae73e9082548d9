// ---- launch 1 of 2, grid [1]
// label: block_lists i32[2, 2, 6]
// params: {}
// kernel block_lists
// block_lists: segments [2, 3, 3] → i32[2, 2, 6]
// per query tile the key tiles (32×32 tiles of 37×37, key tiles from 5 keys in, causal): [nP, partial…, nF, full…]

struct Params {
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read_write> y0: array<i32>;
@group(0) @binding(1) var<storage, read> x1: array<i32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let idx: u32 = (wg_linear * 64u) + lid.x;
  if (idx >= 4u) {
    return;
  }
  let b: u32 = idx / 2u;
  let o: u32 = idx % 2u;
  let base: u32 = idx * 6u;
  var n_partial: u32 = 0u;
  var n_full: u32 = 0u;
  for (var x: u32 = 0u; x < 2u; x += 1u) {
    let r0: i32 = i32(o * 32u) + 0i;
    let r1: i32 = i32(min((o * 32u) + 32u, 37u)) + 0i;
    let c0: i32 = i32(max(x * 32u, 27u) - 27u);
    let c1: i32 = i32(min(((x * 32u) + 32u) - 27u, 37u));
    var all: bool = true;
    var none: bool = true;
    var ra: i32 = r0;
    while (ra < r1) {
      var cut: i32 = r1;
      for (var s: u32 = 0u; s < 3u; s += 1u) {
        let v: i32 = x1[(b * 9u) + (s * 3u)];
        let used: bool = v != 0i;
        let v_1: i32 = x1[((b * 9u) + (s * 3u)) + 1u];
        cut = select(cut, v_1, used && ((v_1 > ra) && (v_1 < cut)));
        let v_2: i32 = x1[((b * 9u) + (s * 3u)) + 2u];
        cut = select(cut, v_2, used && ((v_2 > ra) && (v_2 < cut)));
      }
      let next: i32 = cut;
      var pad_i: bool = false;
      var dead_i: bool = false;
      for (var s_1: u32 = 0u; s_1 < 3u; s_1 += 1u) {
        let v_3: i32 = x1[(b * 9u) + (s_1 * 3u)];
        let kind: i32 = v_3;
        let v_4: i32 = x1[((b * 9u) + (s_1 * 3u)) + 1u];
        let v_5: i32 = x1[((b * 9u) + (s_1 * 3u)) + 2u];
        let in_i: bool = (ra >= v_4) && (ra < v_5);
        pad_i = pad_i || ((kind == 1i) && in_i);
        dead_i = dead_i || ((kind == 4i) && in_i);
      }
      var ca: i32 = c0;
      while (ca < c1) {
        var cut_1: i32 = c1;
        for (var s_2: u32 = 0u; s_2 < 3u; s_2 += 1u) {
          let v_6: i32 = x1[(b * 9u) + (s_2 * 3u)];
          let used_1: bool = v_6 != 0i;
          let v_7: i32 = x1[((b * 9u) + (s_2 * 3u)) + 1u];
          cut_1 = select(cut_1, v_7, used_1 && ((v_7 > ca) && (v_7 < cut_1)));
          let v_8: i32 = x1[((b * 9u) + (s_2 * 3u)) + 2u];
          cut_1 = select(cut_1, v_8, used_1 && ((v_8 > ca) && (v_8 < cut_1)));
        }
        let next_1: i32 = cut_1;
        var pad_j: bool = false;
        var dead_j: bool = false;
        var glob: bool = false;
        var span: bool = false;
        for (var s_3: u32 = 0u; s_3 < 3u; s_3 += 1u) {
          let v_9: i32 = x1[(b * 9u) + (s_3 * 3u)];
          let kind_1: i32 = v_9;
          let v_10: i32 = x1[((b * 9u) + (s_3 * 3u)) + 1u];
          let v_11: i32 = x1[((b * 9u) + (s_3 * 3u)) + 2u];
          let in_j: bool = (ca >= v_10) && (ca < v_11);
          pad_j = pad_j || ((kind_1 == 1i) && in_j);
          dead_j = dead_j || ((kind_1 == 4i) && in_j);
          glob = glob || ((kind_1 == 3i) && in_j);
          span = span || (((kind_1 == 2i) && in_j) && ((ra >= v_10) && (ra < v_11)));
        }
        if ((dead_i || dead_j) || (pad_j && (!pad_i))) {
          all = false;
        } else {
          if (span || glob) {
            none = false;
          } else {
            if ((next_1 - 1i) <= ra) {
              none = false;
            } else {
              if (ca > (next - 1i)) {
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
      y0[base + (n_full + 4u)] = i32(x);
      n_full = n_full + 1u;
    } else {
      if (!none) {
        y0[base + (n_partial + 1u)] = i32(x);
        n_partial = n_partial + 1u;
      }
    }
  }
  y0[base] = i32(n_partial);
  y0[base + 3u] = i32(n_full);
  for (var e: u32 = n_partial; e < 2u; e += 1u) {
    y0[base + (e + 1u)] = 0i;
  }
  for (var e_1: u32 = n_full; e_1 < 2u; e_1 += 1u) {
    y0[base + (e_1 + 4u)] = 0i;
  }
}

// ---- launch 2 of 2, grid [8]
// label: attention_qknorm f32[2, 2, 37, 64] (flash blocked 32×32; every key masked (no lists))
// params: {"head_groups":16,"key_groups":8,"norm_items":12}
// kernel attention_qknorm_flash
// attention_qknorm: q [2, 2, 37, 64], k [2, 2, 37, 64], v [2, 2, 37, 64] → out [2, 2, 37, 64]
// flash, register-blocked: one workgroup of 32 per (b, h, 32-row query tile); keys in chunks of 32; 4×8 score blocks, 4×16 output blocks; every key masked (no lists)
// prologue: per-head LayerNorm (eps 0.00001) and rotary (dim 32, base 10000) of q and k tiles

struct Params {
  head_groups: u32,
  key_groups: u32,
  norm_items: u32,
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0_v4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> x1_v4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x2_v4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> x3_v4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> x4_v4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> x5: array<i32>;
@group(0) @binding(6) var<storage, read> x6: array<i32>;
@group(0) @binding(7) var<storage, read> x7_v4: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> x8_v4: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> y9: array<f32>;
@group(0) @binding(10) var<uniform> params: Params;

var<workgroup> q_tile: array<vec4<f32>, 512>;
var<workgroup> k_tile: array<vec4<f32>, 512>;
var<workgroup> v_tile: array<vec4<f32>, 512>;
var<workgroup> p_tile: array<vec4<f32>, 256>;
var<workgroup> row_max: array<f32, 32>;
var<workgroup> row_sum: array<f32, 32>;
var<workgroup> row_alpha: array<f32, 32>;
var<workgroup> q_mask: array<u32, 32>;
var<workgroup> k_mask: array<u32, 32>;
var<workgroup> inv_freq: array<vec4<f32>, 4>;
var<workgroup> norm_params: array<vec4<f32>, 64>;

@compute @workgroup_size(32, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let t: u32 = lid.x;
  let wg: u32 = wg_linear;
  let qt: u32 = wg % 2u;
  let h: u32 = (wg / 2u) % 2u;
  let b: u32 = wg / 4u;
  let row0: u32 = qt * 32u;
  for (var e: u32 = t; e < 16u; e += 32u) {
    norm_params[e + 0u] = x0_v4[e];
  }
  for (var e_1: u32 = t; e_1 < 16u; e_1 += 32u) {
    norm_params[e_1 + 16u] = x1_v4[e_1];
  }
  for (var e_2: u32 = t; e_2 < 16u; e_2 += 32u) {
    norm_params[e_2 + 32u] = x2_v4[e_2];
  }
  for (var e_3: u32 = t; e_3 < 16u; e_3 += 32u) {
    norm_params[e_3 + 48u] = x3_v4[e_3];
  }
  if (t == 0u) {
    inv_freq[0u] = vec4<f32>(1.0f, 0.56234133f, 0.31622776f, 0.17782794f);
    inv_freq[1u] = vec4<f32>(0.1f, 0.056234132f, 0.031622775f, 0.017782794f);
    inv_freq[2u] = vec4<f32>(0.01f, 0.0056234132f, 0.0031622776f, 0.0017782794f);
    inv_freq[3u] = vec4<f32>(0.001f, 0.0005623413f, 0.00031622776f, 0.00017782794f);
  }
  workgroupBarrier();
  for (var r: u32 = t; r < 32u; r += 32u) {
    let j: u32 = min(row0 + r, 36u);
    let o: u32 = r * 16u;
    let shift: vec4<f32> = vec4<f32>(x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 0u].x);
    var sum: vec4<f32> = vec4<f32>(0.0f);
    var sq: vec4<f32> = vec4<f32>(0.0f);
    for (var g: u32 = 0u; g < params.head_groups; g += 1u) {
      let x: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + g];
      q_tile[o + g] = x;
      let c: vec4<f32> = x - shift;
      sum = sum + c;
      sq = sq + (c * c);
    }
    let m1: f32 = ((sum.x + sum.y) + (sum.z + sum.w)) * 0.015625f;
    let var_1: f32 = max((((sq.x + sq.y) + (sq.z + sq.w)) * 0.015625f) - (m1 * m1), 0.0f);
    let mean: vec4<f32> = vec4<f32>(m1 + shift.x);
    let rstd: vec4<f32> = vec4<f32>(inverseSqrt(var_1 + 1e-5f));
    let v: i32 = x5[min((row0 + r) + 0u, 36u)];
    let p: f32 = f32(v);
    for (var x_1: u32 = 0u; x_1 < params.norm_items; x_1 += 1u) {
      let g_1: u32 = select(x_1 + 4u, x_1, x_1 < 4u);
      if (x_1 < 4u) {
        let g2: u32 = g_1 + 4u;
        let n: vec4<f32> = (((q_tile[o + g_1] - mean) * rstd) * norm_params[g_1 + 0u]) + norm_params[g_1 + 16u];
        let n_1: vec4<f32> = (((q_tile[o + g2] - mean) * rstd) * norm_params[g2 + 0u]) + norm_params[g2 + 16u];
        let quadrant: vec4<f32> = round((inv_freq[g_1] * p) * vec4<f32>(0.63661975f));
        let red: vec4<f32> = (((inv_freq[g_1] * p) - (quadrant * vec4<f32>(1.5703125f))) - (quadrant * vec4<f32>(0.0004837513f))) - (quadrant * vec4<f32>(7.54979e-8f));
        let z: vec4<f32> = red * red;
        let s_r: vec4<f32> = fma(red * z, fma(z, fma(z, vec4<f32>(-0.00019515296f), vec4<f32>(0.008332161f)), vec4<f32>(-0.16666655f)), red);
        let c_r: vec4<f32> = fma(z * z, fma(z, fma(z, vec4<f32>(2.4433157e-5f), vec4<f32>(-0.0013887316f)), vec4<f32>(0.041666646f)), fma(z, vec4<f32>(-0.5f), vec4<f32>(1.0f)));
        let q: vec4<f32> = quadrant - (vec4<f32>(4.0f) * floor(quadrant * vec4<f32>(0.25f)));
        let odd: vec4<f32> = q - (vec4<f32>(2.0f) * floor(q * vec4<f32>(0.5f)));
        let sin_t: vec4<f32> = s_r + (odd * (c_r - s_r));
        let cos_t: vec4<f32> = c_r + (odd * (s_r - c_r));
        let sin4: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(q * vec4<f32>(0.5f)))) * sin_t;
        let cos4: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(((q + vec4<f32>(1.0f)) - (vec4<f32>(4.0f) * floor((q + vec4<f32>(1.0f)) * vec4<f32>(0.25f)))) * vec4<f32>(0.5f)))) * cos_t;
        q_tile[o + g_1] = ((n * cos4) - (n_1 * sin4)) * 0.125f;
        q_tile[o + g2] = ((n_1 * cos4) + (n * sin4)) * 0.125f;
      } else {
        let n_2: vec4<f32> = (((q_tile[o + g_1] - mean) * rstd) * norm_params[g_1 + 0u]) + norm_params[g_1 + 16u];
        q_tile[o + g_1] = n_2 * 0.125f;
      }
    }
  }
  for (var r_1: u32 = t; r_1 < 32u; r_1 += 32u) {
    row_max[r_1] = -1e+30f;
    row_sum[r_1] = 0.0f;
    var word: u32 = 0u;
    for (var s: u32 = 0u; s < 3u; s += 1u) {
      let v_1: i32 = x6[(b * 9u) + (s * 3u)];
      let kind: i32 = v_1;
      let v_2: i32 = x6[((b * 9u) + (s * 3u)) + 1u];
      let v_3: i32 = x6[((b * 9u) + (s * 3u)) + 2u];
      let in: bool = ((i32(row0 + r_1) + 0i) >= v_2) && ((i32(row0 + r_1) + 0i) < v_3);
      word = word | select(0u, select(select(select(select(0u, 1u << (s + 3u), kind == 2i), 4u, kind == 4i), 2u, kind == 3i), 1u, kind == 1i), in);
    }
    q_mask[r_1] = word;
  }
  workgroupBarrier();
  let sr0: u32 = (t / 4u) * 4u;
  let sk0: u32 = (t % 4u) * 8u;
  let or0: u32 = (t / 4u) * 4u;
  let oc: u32 = t % 4u;
  let oc_1: u32 = (t % 4u) + 4u;
  let oc_2: u32 = (t % 4u) + 8u;
  let oc_3: u32 = (t % 4u) + 12u;
  var acc: vec4<f32> = vec4<f32>(0.0f);
  var acc_1: vec4<f32> = vec4<f32>(0.0f);
  var acc_2: vec4<f32> = vec4<f32>(0.0f);
  var acc_3: vec4<f32> = vec4<f32>(0.0f);
  var acc_4: vec4<f32> = vec4<f32>(0.0f);
  var acc_5: vec4<f32> = vec4<f32>(0.0f);
  var acc_6: vec4<f32> = vec4<f32>(0.0f);
  var acc_7: vec4<f32> = vec4<f32>(0.0f);
  var acc_8: vec4<f32> = vec4<f32>(0.0f);
  var acc_9: vec4<f32> = vec4<f32>(0.0f);
  var acc_10: vec4<f32> = vec4<f32>(0.0f);
  var acc_11: vec4<f32> = vec4<f32>(0.0f);
  var acc_12: vec4<f32> = vec4<f32>(0.0f);
  var acc_13: vec4<f32> = vec4<f32>(0.0f);
  var acc_14: vec4<f32> = vec4<f32>(0.0f);
  var acc_15: vec4<f32> = vec4<f32>(0.0f);
  let pos_q: i32 = i32(row0 + (sr0 + 0u)) + 0i;
  let pos_q_1: i32 = i32(row0 + (sr0 + 1u)) + 0i;
  let pos_q_2: i32 = i32(row0 + (sr0 + 2u)) + 0i;
  let pos_q_3: i32 = i32(row0 + (sr0 + 3u)) + 0i;
  let q_word: u32 = q_mask[sr0 + 0u];
  let q_word_1: u32 = q_mask[sr0 + 1u];
  let q_word_2: u32 = q_mask[sr0 + 2u];
  let q_word_3: u32 = q_mask[sr0 + 3u];
  for (var c0: u32 = 0u; c0 < 37u; c0 += 32u) {
    let n_3: u32 = min(32u, 37u - c0);
    for (var r_2: u32 = t; r_2 < 32u; r_2 += 32u) {
      let j_1: u32 = min(c0 + r_2, 36u);
      let o_1: u32 = r_2 * 16u;
      let shift_1: vec4<f32> = vec4<f32>(x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 0u].x);
      var sum_1: vec4<f32> = vec4<f32>(0.0f);
      var sq_1: vec4<f32> = vec4<f32>(0.0f);
      for (var g_2: u32 = 0u; g_2 < params.head_groups; g_2 += 1u) {
        let x_2: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + g_2];
        k_tile[o_1 + g_2] = x_2;
        let c_1: vec4<f32> = x_2 - shift_1;
        sum_1 = sum_1 + c_1;
        sq_1 = sq_1 + (c_1 * c_1);
      }
      let m1_1: f32 = ((sum_1.x + sum_1.y) + (sum_1.z + sum_1.w)) * 0.015625f;
      let var_2: f32 = max((((sq_1.x + sq_1.y) + (sq_1.z + sq_1.w)) * 0.015625f) - (m1_1 * m1_1), 0.0f);
      let mean_1: vec4<f32> = vec4<f32>(m1_1 + shift_1.x);
      let rstd_1: vec4<f32> = vec4<f32>(inverseSqrt(var_2 + 1e-5f));
      let v_4: i32 = x5[min(c0 + r_2, 36u)];
      let p_1: f32 = f32(v_4);
      for (var x_3: u32 = 0u; x_3 < params.norm_items; x_3 += 1u) {
        let g_3: u32 = select(x_3 + 4u, x_3, x_3 < 4u);
        if (x_3 < 4u) {
          let g2_1: u32 = g_3 + 4u;
          let n_4: vec4<f32> = (((k_tile[o_1 + g_3] - mean_1) * rstd_1) * norm_params[g_3 + 32u]) + norm_params[g_3 + 48u];
          let n_5: vec4<f32> = (((k_tile[o_1 + g2_1] - mean_1) * rstd_1) * norm_params[g2_1 + 32u]) + norm_params[g2_1 + 48u];
          let quadrant_1: vec4<f32> = round((inv_freq[g_3] * p_1) * vec4<f32>(0.63661975f));
          let red_1: vec4<f32> = (((inv_freq[g_3] * p_1) - (quadrant_1 * vec4<f32>(1.5703125f))) - (quadrant_1 * vec4<f32>(0.0004837513f))) - (quadrant_1 * vec4<f32>(7.54979e-8f));
          let z_1: vec4<f32> = red_1 * red_1;
          let s_r_1: vec4<f32> = fma(red_1 * z_1, fma(z_1, fma(z_1, vec4<f32>(-0.00019515296f), vec4<f32>(0.008332161f)), vec4<f32>(-0.16666655f)), red_1);
          let c_r_1: vec4<f32> = fma(z_1 * z_1, fma(z_1, fma(z_1, vec4<f32>(2.4433157e-5f), vec4<f32>(-0.0013887316f)), vec4<f32>(0.041666646f)), fma(z_1, vec4<f32>(-0.5f), vec4<f32>(1.0f)));
          let q_1: vec4<f32> = quadrant_1 - (vec4<f32>(4.0f) * floor(quadrant_1 * vec4<f32>(0.25f)));
          let odd_1: vec4<f32> = q_1 - (vec4<f32>(2.0f) * floor(q_1 * vec4<f32>(0.5f)));
          let sin_t_1: vec4<f32> = s_r_1 + (odd_1 * (c_r_1 - s_r_1));
          let cos_t_1: vec4<f32> = c_r_1 + (odd_1 * (s_r_1 - c_r_1));
          let sin4_1: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(q_1 * vec4<f32>(0.5f)))) * sin_t_1;
          let cos4_1: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(((q_1 + vec4<f32>(1.0f)) - (vec4<f32>(4.0f) * floor((q_1 + vec4<f32>(1.0f)) * vec4<f32>(0.25f)))) * vec4<f32>(0.5f)))) * cos_t_1;
          k_tile[o_1 + g_3] = ((n_4 * cos4_1) - (n_5 * sin4_1)) * 1.0f;
          k_tile[o_1 + g2_1] = ((n_5 * cos4_1) + (n_4 * sin4_1)) * 1.0f;
        } else {
          let n_6: vec4<f32> = (((k_tile[o_1 + g_3] - mean_1) * rstd_1) * norm_params[g_3 + 32u]) + norm_params[g_3 + 48u];
          k_tile[o_1 + g_3] = n_6 * 1.0f;
        }
      }
    }
    for (var e_4: u32 = t; e_4 < 512u; e_4 += 32u) {
      let j_2: u32 = min(c0 + (e_4 / 16u), 36u);
      v_tile[e_4] = x8_v4[(((((b * 2u) + h) * 37u) + j_2) * 16u) + (e_4 % 16u)];
    }
    for (var r_3: u32 = t; r_3 < 32u; r_3 += 32u) {
      var word_1: u32 = 0u;
      for (var s_1: u32 = 0u; s_1 < 3u; s_1 += 1u) {
        let v_5: i32 = x6[(b * 9u) + (s_1 * 3u)];
        let kind_1: i32 = v_5;
        let v_6: i32 = x6[((b * 9u) + (s_1 * 3u)) + 1u];
        let v_7: i32 = x6[((b * 9u) + (s_1 * 3u)) + 2u];
        let in_1: bool = (i32(c0 + r_3) >= v_6) && (i32(c0 + r_3) < v_7);
        word_1 = word_1 | select(0u, select(select(select(select(0u, 1u << (s_1 + 3u), kind_1 == 2i), 4u, kind_1 == 4i), 2u, kind_1 == 3i), 1u, kind_1 == 1i), in_1);
      }
      k_mask[r_3] = word_1;
    }
    workgroupBarrier();
    var s_2: f32 = 0.0f;
    var s_3: f32 = 0.0f;
    var s_4: f32 = 0.0f;
    var s_5: f32 = 0.0f;
    var s_6: f32 = 0.0f;
    var s_7: f32 = 0.0f;
    var s_8: f32 = 0.0f;
    var s_9: f32 = 0.0f;
    var s_10: f32 = 0.0f;
    var s_11: f32 = 0.0f;
    var s_12: f32 = 0.0f;
    var s_13: f32 = 0.0f;
    var s_14: f32 = 0.0f;
    var s_15: f32 = 0.0f;
    var s_16: f32 = 0.0f;
    var s_17: f32 = 0.0f;
    var s_18: f32 = 0.0f;
    var s_19: f32 = 0.0f;
    var s_20: f32 = 0.0f;
    var s_21: f32 = 0.0f;
    var s_22: f32 = 0.0f;
    var s_23: f32 = 0.0f;
    var s_24: f32 = 0.0f;
    var s_25: f32 = 0.0f;
    var s_26: f32 = 0.0f;
    var s_27: f32 = 0.0f;
    var s_28: f32 = 0.0f;
    var s_29: f32 = 0.0f;
    var s_30: f32 = 0.0f;
    var s_31: f32 = 0.0f;
    var s_32: f32 = 0.0f;
    var s_33: f32 = 0.0f;
    for (var g_4: u32 = 0u; g_4 < params.head_groups; g_4 += 1u) {
      let kv: vec4<f32> = k_tile[((sk0 + 0u) * 16u) + g_4];
      let kv_1: vec4<f32> = k_tile[((sk0 + 1u) * 16u) + g_4];
      let kv_2: vec4<f32> = k_tile[((sk0 + 2u) * 16u) + g_4];
      let kv_3: vec4<f32> = k_tile[((sk0 + 3u) * 16u) + g_4];
      let kv_4: vec4<f32> = k_tile[((sk0 + 4u) * 16u) + g_4];
      let kv_5: vec4<f32> = k_tile[((sk0 + 5u) * 16u) + g_4];
      let kv_6: vec4<f32> = k_tile[((sk0 + 6u) * 16u) + g_4];
      let kv_7: vec4<f32> = k_tile[((sk0 + 7u) * 16u) + g_4];
      let qv: vec4<f32> = q_tile[((sr0 + 0u) * 16u) + g_4];
      s_2 = fma(qv.w, kv.w, fma(qv.z, kv.z, fma(qv.y, kv.y, fma(qv.x, kv.x, s_2))));
      s_3 = fma(qv.w, kv_1.w, fma(qv.z, kv_1.z, fma(qv.y, kv_1.y, fma(qv.x, kv_1.x, s_3))));
      s_4 = fma(qv.w, kv_2.w, fma(qv.z, kv_2.z, fma(qv.y, kv_2.y, fma(qv.x, kv_2.x, s_4))));
      s_5 = fma(qv.w, kv_3.w, fma(qv.z, kv_3.z, fma(qv.y, kv_3.y, fma(qv.x, kv_3.x, s_5))));
      s_6 = fma(qv.w, kv_4.w, fma(qv.z, kv_4.z, fma(qv.y, kv_4.y, fma(qv.x, kv_4.x, s_6))));
      s_7 = fma(qv.w, kv_5.w, fma(qv.z, kv_5.z, fma(qv.y, kv_5.y, fma(qv.x, kv_5.x, s_7))));
      s_8 = fma(qv.w, kv_6.w, fma(qv.z, kv_6.z, fma(qv.y, kv_6.y, fma(qv.x, kv_6.x, s_8))));
      s_9 = fma(qv.w, kv_7.w, fma(qv.z, kv_7.z, fma(qv.y, kv_7.y, fma(qv.x, kv_7.x, s_9))));
      let qv_1: vec4<f32> = q_tile[((sr0 + 1u) * 16u) + g_4];
      s_10 = fma(qv_1.w, kv.w, fma(qv_1.z, kv.z, fma(qv_1.y, kv.y, fma(qv_1.x, kv.x, s_10))));
      s_11 = fma(qv_1.w, kv_1.w, fma(qv_1.z, kv_1.z, fma(qv_1.y, kv_1.y, fma(qv_1.x, kv_1.x, s_11))));
      s_12 = fma(qv_1.w, kv_2.w, fma(qv_1.z, kv_2.z, fma(qv_1.y, kv_2.y, fma(qv_1.x, kv_2.x, s_12))));
      s_13 = fma(qv_1.w, kv_3.w, fma(qv_1.z, kv_3.z, fma(qv_1.y, kv_3.y, fma(qv_1.x, kv_3.x, s_13))));
      s_14 = fma(qv_1.w, kv_4.w, fma(qv_1.z, kv_4.z, fma(qv_1.y, kv_4.y, fma(qv_1.x, kv_4.x, s_14))));
      s_15 = fma(qv_1.w, kv_5.w, fma(qv_1.z, kv_5.z, fma(qv_1.y, kv_5.y, fma(qv_1.x, kv_5.x, s_15))));
      s_16 = fma(qv_1.w, kv_6.w, fma(qv_1.z, kv_6.z, fma(qv_1.y, kv_6.y, fma(qv_1.x, kv_6.x, s_16))));
      s_17 = fma(qv_1.w, kv_7.w, fma(qv_1.z, kv_7.z, fma(qv_1.y, kv_7.y, fma(qv_1.x, kv_7.x, s_17))));
      let qv_2: vec4<f32> = q_tile[((sr0 + 2u) * 16u) + g_4];
      s_18 = fma(qv_2.w, kv.w, fma(qv_2.z, kv.z, fma(qv_2.y, kv.y, fma(qv_2.x, kv.x, s_18))));
      s_19 = fma(qv_2.w, kv_1.w, fma(qv_2.z, kv_1.z, fma(qv_2.y, kv_1.y, fma(qv_2.x, kv_1.x, s_19))));
      s_20 = fma(qv_2.w, kv_2.w, fma(qv_2.z, kv_2.z, fma(qv_2.y, kv_2.y, fma(qv_2.x, kv_2.x, s_20))));
      s_21 = fma(qv_2.w, kv_3.w, fma(qv_2.z, kv_3.z, fma(qv_2.y, kv_3.y, fma(qv_2.x, kv_3.x, s_21))));
      s_22 = fma(qv_2.w, kv_4.w, fma(qv_2.z, kv_4.z, fma(qv_2.y, kv_4.y, fma(qv_2.x, kv_4.x, s_22))));
      s_23 = fma(qv_2.w, kv_5.w, fma(qv_2.z, kv_5.z, fma(qv_2.y, kv_5.y, fma(qv_2.x, kv_5.x, s_23))));
      s_24 = fma(qv_2.w, kv_6.w, fma(qv_2.z, kv_6.z, fma(qv_2.y, kv_6.y, fma(qv_2.x, kv_6.x, s_24))));
      s_25 = fma(qv_2.w, kv_7.w, fma(qv_2.z, kv_7.z, fma(qv_2.y, kv_7.y, fma(qv_2.x, kv_7.x, s_25))));
      let qv_3: vec4<f32> = q_tile[((sr0 + 3u) * 16u) + g_4];
      s_26 = fma(qv_3.w, kv.w, fma(qv_3.z, kv.z, fma(qv_3.y, kv.y, fma(qv_3.x, kv.x, s_26))));
      s_27 = fma(qv_3.w, kv_1.w, fma(qv_3.z, kv_1.z, fma(qv_3.y, kv_1.y, fma(qv_3.x, kv_1.x, s_27))));
      s_28 = fma(qv_3.w, kv_2.w, fma(qv_3.z, kv_2.z, fma(qv_3.y, kv_2.y, fma(qv_3.x, kv_2.x, s_28))));
      s_29 = fma(qv_3.w, kv_3.w, fma(qv_3.z, kv_3.z, fma(qv_3.y, kv_3.y, fma(qv_3.x, kv_3.x, s_29))));
      s_30 = fma(qv_3.w, kv_4.w, fma(qv_3.z, kv_4.z, fma(qv_3.y, kv_4.y, fma(qv_3.x, kv_4.x, s_30))));
      s_31 = fma(qv_3.w, kv_5.w, fma(qv_3.z, kv_5.z, fma(qv_3.y, kv_5.y, fma(qv_3.x, kv_5.x, s_31))));
      s_32 = fma(qv_3.w, kv_6.w, fma(qv_3.z, kv_6.z, fma(qv_3.y, kv_6.y, fma(qv_3.x, kv_6.x, s_32))));
      s_33 = fma(qv_3.w, kv_7.w, fma(qv_3.z, kv_7.z, fma(qv_3.y, kv_7.y, fma(qv_3.x, kv_7.x, s_33))));
    }
    let in_chunk: bool = (sk0 + 0u) < n_3;
    let in_chunk_1: bool = (sk0 + 1u) < n_3;
    let in_chunk_2: bool = (sk0 + 2u) < n_3;
    let in_chunk_3: bool = (sk0 + 3u) < n_3;
    let in_chunk_4: bool = (sk0 + 4u) < n_3;
    let in_chunk_5: bool = (sk0 + 5u) < n_3;
    let in_chunk_6: bool = (sk0 + 6u) < n_3;
    let in_chunk_7: bool = (sk0 + 7u) < n_3;
    let pos_k: i32 = i32(c0 + (sk0 + 0u));
    let pos_k_1: i32 = i32(c0 + (sk0 + 1u));
    let pos_k_2: i32 = i32(c0 + (sk0 + 2u));
    let pos_k_3: i32 = i32(c0 + (sk0 + 3u));
    let pos_k_4: i32 = i32(c0 + (sk0 + 4u));
    let pos_k_5: i32 = i32(c0 + (sk0 + 5u));
    let pos_k_6: i32 = i32(c0 + (sk0 + 6u));
    let pos_k_7: i32 = i32(c0 + (sk0 + 7u));
    let k_word: u32 = k_mask[sk0 + 0u];
    let k_word_1: u32 = k_mask[sk0 + 1u];
    let k_word_2: u32 = k_mask[sk0 + 2u];
    let k_word_3: u32 = k_mask[sk0 + 3u];
    let k_word_4: u32 = k_mask[sk0 + 4u];
    let k_word_5: u32 = k_mask[sk0 + 5u];
    let k_word_6: u32 = k_mask[sk0 + 6u];
    let k_word_7: u32 = k_mask[sk0 + 7u];
    p_tile[((sr0 + 0u) * 8u) + ((sk0 / 4u) + 0u)] = vec4<f32>(select(-1e+30f, s_2, in_chunk && ((!((((q_word & 4u) != 0u) || ((k_word & 4u) != 0u)) || (((k_word & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((pos_k <= pos_q) || (((k_word >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word & 2u) != 0u)))), select(-1e+30f, s_3, in_chunk_1 && ((!((((q_word & 4u) != 0u) || ((k_word_1 & 4u) != 0u)) || (((k_word_1 & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((pos_k_1 <= pos_q) || (((k_word_1 >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word_1 & 2u) != 0u)))), select(-1e+30f, s_4, in_chunk_2 && ((!((((q_word & 4u) != 0u) || ((k_word_2 & 4u) != 0u)) || (((k_word_2 & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((pos_k_2 <= pos_q) || (((k_word_2 >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word_2 & 2u) != 0u)))), select(-1e+30f, s_5, in_chunk_3 && ((!((((q_word & 4u) != 0u) || ((k_word_3 & 4u) != 0u)) || (((k_word_3 & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((pos_k_3 <= pos_q) || (((k_word_3 >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word_3 & 2u) != 0u)))));
    p_tile[((sr0 + 0u) * 8u) + ((sk0 / 4u) + 1u)] = vec4<f32>(select(-1e+30f, s_6, in_chunk_4 && ((!((((q_word & 4u) != 0u) || ((k_word_4 & 4u) != 0u)) || (((k_word_4 & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((pos_k_4 <= pos_q) || (((k_word_4 >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word_4 & 2u) != 0u)))), select(-1e+30f, s_7, in_chunk_5 && ((!((((q_word & 4u) != 0u) || ((k_word_5 & 4u) != 0u)) || (((k_word_5 & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((pos_k_5 <= pos_q) || (((k_word_5 >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word_5 & 2u) != 0u)))), select(-1e+30f, s_8, in_chunk_6 && ((!((((q_word & 4u) != 0u) || ((k_word_6 & 4u) != 0u)) || (((k_word_6 & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((pos_k_6 <= pos_q) || (((k_word_6 >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word_6 & 2u) != 0u)))), select(-1e+30f, s_9, in_chunk_7 && ((!((((q_word & 4u) != 0u) || ((k_word_7 & 4u) != 0u)) || (((k_word_7 & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((pos_k_7 <= pos_q) || (((k_word_7 >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word_7 & 2u) != 0u)))));
    p_tile[((sr0 + 1u) * 8u) + ((sk0 / 4u) + 0u)] = vec4<f32>(select(-1e+30f, s_10, in_chunk && ((!((((q_word_1 & 4u) != 0u) || ((k_word & 4u) != 0u)) || (((k_word & 1u) != 0u) && (!((q_word_1 & 1u) != 0u))))) && (((pos_k <= pos_q_1) || (((k_word >> 3u) & (q_word_1 >> 3u)) != 0u)) || ((k_word & 2u) != 0u)))), select(-1e+30f, s_11, in_chunk_1 && ((!((((q_word_1 & 4u) != 0u) || ((k_word_1 & 4u) != 0u)) || (((k_word_1 & 1u) != 0u) && (!((q_word_1 & 1u) != 0u))))) && (((pos_k_1 <= pos_q_1) || (((k_word_1 >> 3u) & (q_word_1 >> 3u)) != 0u)) || ((k_word_1 & 2u) != 0u)))), select(-1e+30f, s_12, in_chunk_2 && ((!((((q_word_1 & 4u) != 0u) || ((k_word_2 & 4u) != 0u)) || (((k_word_2 & 1u) != 0u) && (!((q_word_1 & 1u) != 0u))))) && (((pos_k_2 <= pos_q_1) || (((k_word_2 >> 3u) & (q_word_1 >> 3u)) != 0u)) || ((k_word_2 & 2u) != 0u)))), select(-1e+30f, s_13, in_chunk_3 && ((!((((q_word_1 & 4u) != 0u) || ((k_word_3 & 4u) != 0u)) || (((k_word_3 & 1u) != 0u) && (!((q_word_1 & 1u) != 0u))))) && (((pos_k_3 <= pos_q_1) || (((k_word_3 >> 3u) & (q_word_1 >> 3u)) != 0u)) || ((k_word_3 & 2u) != 0u)))));
    p_tile[((sr0 + 1u) * 8u) + ((sk0 / 4u) + 1u)] = vec4<f32>(select(-1e+30f, s_14, in_chunk_4 && ((!((((q_word_1 & 4u) != 0u) || ((k_word_4 & 4u) != 0u)) || (((k_word_4 & 1u) != 0u) && (!((q_word_1 & 1u) != 0u))))) && (((pos_k_4 <= pos_q_1) || (((k_word_4 >> 3u) & (q_word_1 >> 3u)) != 0u)) || ((k_word_4 & 2u) != 0u)))), select(-1e+30f, s_15, in_chunk_5 && ((!((((q_word_1 & 4u) != 0u) || ((k_word_5 & 4u) != 0u)) || (((k_word_5 & 1u) != 0u) && (!((q_word_1 & 1u) != 0u))))) && (((pos_k_5 <= pos_q_1) || (((k_word_5 >> 3u) & (q_word_1 >> 3u)) != 0u)) || ((k_word_5 & 2u) != 0u)))), select(-1e+30f, s_16, in_chunk_6 && ((!((((q_word_1 & 4u) != 0u) || ((k_word_6 & 4u) != 0u)) || (((k_word_6 & 1u) != 0u) && (!((q_word_1 & 1u) != 0u))))) && (((pos_k_6 <= pos_q_1) || (((k_word_6 >> 3u) & (q_word_1 >> 3u)) != 0u)) || ((k_word_6 & 2u) != 0u)))), select(-1e+30f, s_17, in_chunk_7 && ((!((((q_word_1 & 4u) != 0u) || ((k_word_7 & 4u) != 0u)) || (((k_word_7 & 1u) != 0u) && (!((q_word_1 & 1u) != 0u))))) && (((pos_k_7 <= pos_q_1) || (((k_word_7 >> 3u) & (q_word_1 >> 3u)) != 0u)) || ((k_word_7 & 2u) != 0u)))));
    p_tile[((sr0 + 2u) * 8u) + ((sk0 / 4u) + 0u)] = vec4<f32>(select(-1e+30f, s_18, in_chunk && ((!((((q_word_2 & 4u) != 0u) || ((k_word & 4u) != 0u)) || (((k_word & 1u) != 0u) && (!((q_word_2 & 1u) != 0u))))) && (((pos_k <= pos_q_2) || (((k_word >> 3u) & (q_word_2 >> 3u)) != 0u)) || ((k_word & 2u) != 0u)))), select(-1e+30f, s_19, in_chunk_1 && ((!((((q_word_2 & 4u) != 0u) || ((k_word_1 & 4u) != 0u)) || (((k_word_1 & 1u) != 0u) && (!((q_word_2 & 1u) != 0u))))) && (((pos_k_1 <= pos_q_2) || (((k_word_1 >> 3u) & (q_word_2 >> 3u)) != 0u)) || ((k_word_1 & 2u) != 0u)))), select(-1e+30f, s_20, in_chunk_2 && ((!((((q_word_2 & 4u) != 0u) || ((k_word_2 & 4u) != 0u)) || (((k_word_2 & 1u) != 0u) && (!((q_word_2 & 1u) != 0u))))) && (((pos_k_2 <= pos_q_2) || (((k_word_2 >> 3u) & (q_word_2 >> 3u)) != 0u)) || ((k_word_2 & 2u) != 0u)))), select(-1e+30f, s_21, in_chunk_3 && ((!((((q_word_2 & 4u) != 0u) || ((k_word_3 & 4u) != 0u)) || (((k_word_3 & 1u) != 0u) && (!((q_word_2 & 1u) != 0u))))) && (((pos_k_3 <= pos_q_2) || (((k_word_3 >> 3u) & (q_word_2 >> 3u)) != 0u)) || ((k_word_3 & 2u) != 0u)))));
    p_tile[((sr0 + 2u) * 8u) + ((sk0 / 4u) + 1u)] = vec4<f32>(select(-1e+30f, s_22, in_chunk_4 && ((!((((q_word_2 & 4u) != 0u) || ((k_word_4 & 4u) != 0u)) || (((k_word_4 & 1u) != 0u) && (!((q_word_2 & 1u) != 0u))))) && (((pos_k_4 <= pos_q_2) || (((k_word_4 >> 3u) & (q_word_2 >> 3u)) != 0u)) || ((k_word_4 & 2u) != 0u)))), select(-1e+30f, s_23, in_chunk_5 && ((!((((q_word_2 & 4u) != 0u) || ((k_word_5 & 4u) != 0u)) || (((k_word_5 & 1u) != 0u) && (!((q_word_2 & 1u) != 0u))))) && (((pos_k_5 <= pos_q_2) || (((k_word_5 >> 3u) & (q_word_2 >> 3u)) != 0u)) || ((k_word_5 & 2u) != 0u)))), select(-1e+30f, s_24, in_chunk_6 && ((!((((q_word_2 & 4u) != 0u) || ((k_word_6 & 4u) != 0u)) || (((k_word_6 & 1u) != 0u) && (!((q_word_2 & 1u) != 0u))))) && (((pos_k_6 <= pos_q_2) || (((k_word_6 >> 3u) & (q_word_2 >> 3u)) != 0u)) || ((k_word_6 & 2u) != 0u)))), select(-1e+30f, s_25, in_chunk_7 && ((!((((q_word_2 & 4u) != 0u) || ((k_word_7 & 4u) != 0u)) || (((k_word_7 & 1u) != 0u) && (!((q_word_2 & 1u) != 0u))))) && (((pos_k_7 <= pos_q_2) || (((k_word_7 >> 3u) & (q_word_2 >> 3u)) != 0u)) || ((k_word_7 & 2u) != 0u)))));
    p_tile[((sr0 + 3u) * 8u) + ((sk0 / 4u) + 0u)] = vec4<f32>(select(-1e+30f, s_26, in_chunk && ((!((((q_word_3 & 4u) != 0u) || ((k_word & 4u) != 0u)) || (((k_word & 1u) != 0u) && (!((q_word_3 & 1u) != 0u))))) && (((pos_k <= pos_q_3) || (((k_word >> 3u) & (q_word_3 >> 3u)) != 0u)) || ((k_word & 2u) != 0u)))), select(-1e+30f, s_27, in_chunk_1 && ((!((((q_word_3 & 4u) != 0u) || ((k_word_1 & 4u) != 0u)) || (((k_word_1 & 1u) != 0u) && (!((q_word_3 & 1u) != 0u))))) && (((pos_k_1 <= pos_q_3) || (((k_word_1 >> 3u) & (q_word_3 >> 3u)) != 0u)) || ((k_word_1 & 2u) != 0u)))), select(-1e+30f, s_28, in_chunk_2 && ((!((((q_word_3 & 4u) != 0u) || ((k_word_2 & 4u) != 0u)) || (((k_word_2 & 1u) != 0u) && (!((q_word_3 & 1u) != 0u))))) && (((pos_k_2 <= pos_q_3) || (((k_word_2 >> 3u) & (q_word_3 >> 3u)) != 0u)) || ((k_word_2 & 2u) != 0u)))), select(-1e+30f, s_29, in_chunk_3 && ((!((((q_word_3 & 4u) != 0u) || ((k_word_3 & 4u) != 0u)) || (((k_word_3 & 1u) != 0u) && (!((q_word_3 & 1u) != 0u))))) && (((pos_k_3 <= pos_q_3) || (((k_word_3 >> 3u) & (q_word_3 >> 3u)) != 0u)) || ((k_word_3 & 2u) != 0u)))));
    p_tile[((sr0 + 3u) * 8u) + ((sk0 / 4u) + 1u)] = vec4<f32>(select(-1e+30f, s_30, in_chunk_4 && ((!((((q_word_3 & 4u) != 0u) || ((k_word_4 & 4u) != 0u)) || (((k_word_4 & 1u) != 0u) && (!((q_word_3 & 1u) != 0u))))) && (((pos_k_4 <= pos_q_3) || (((k_word_4 >> 3u) & (q_word_3 >> 3u)) != 0u)) || ((k_word_4 & 2u) != 0u)))), select(-1e+30f, s_31, in_chunk_5 && ((!((((q_word_3 & 4u) != 0u) || ((k_word_5 & 4u) != 0u)) || (((k_word_5 & 1u) != 0u) && (!((q_word_3 & 1u) != 0u))))) && (((pos_k_5 <= pos_q_3) || (((k_word_5 >> 3u) & (q_word_3 >> 3u)) != 0u)) || ((k_word_5 & 2u) != 0u)))), select(-1e+30f, s_32, in_chunk_6 && ((!((((q_word_3 & 4u) != 0u) || ((k_word_6 & 4u) != 0u)) || (((k_word_6 & 1u) != 0u) && (!((q_word_3 & 1u) != 0u))))) && (((pos_k_6 <= pos_q_3) || (((k_word_6 >> 3u) & (q_word_3 >> 3u)) != 0u)) || ((k_word_6 & 2u) != 0u)))), select(-1e+30f, s_33, in_chunk_7 && ((!((((q_word_3 & 4u) != 0u) || ((k_word_7 & 4u) != 0u)) || (((k_word_7 & 1u) != 0u) && (!((q_word_3 & 1u) != 0u))))) && (((pos_k_7 <= pos_q_3) || (((k_word_7 >> 3u) & (q_word_3 >> 3u)) != 0u)) || ((k_word_7 & 2u) != 0u)))));
    workgroupBarrier();
    for (var r_4: u32 = t; r_4 < 32u; r_4 += 32u) {
      let o_2: u32 = r_4 * 8u;
      let m_old: f32 = row_max[r_4];
      var mx: f32 = m_old;
      for (var c_2: u32 = 0u; c_2 < params.key_groups; c_2 += 1u) {
        let sv: vec4<f32> = p_tile[o_2 + c_2];
        mx = max(mx, max(max(sv.x, sv.y), max(sv.z, sv.w)));
      }
      let alpha: f32 = select(0.0f, exp(m_old - mx), m_old > -5e+29f);
      var sum_2: vec4<f32> = vec4<f32>(0.0f);
      for (var c_3: u32 = 0u; c_3 < params.key_groups; c_3 += 1u) {
        let sv_1: vec4<f32> = p_tile[o_2 + c_3];
        let p_2: vec4<f32> = vec4<f32>(select(exp(sv_1.x - mx), 0.0f, sv_1.x <= -5e+29f), select(exp(sv_1.y - mx), 0.0f, sv_1.y <= -5e+29f), select(exp(sv_1.z - mx), 0.0f, sv_1.z <= -5e+29f), select(exp(sv_1.w - mx), 0.0f, sv_1.w <= -5e+29f));
        p_tile[o_2 + c_3] = p_2;
        sum_2 = sum_2 + p_2;
      }
      row_sum[r_4] = fma(row_sum[r_4], alpha, (sum_2.x + sum_2.y) + (sum_2.z + sum_2.w));
      row_max[r_4] = mx;
      row_alpha[r_4] = alpha;
    }
    workgroupBarrier();
    let alpha_1: f32 = row_alpha[or0 + 0u];
    acc = acc * alpha_1;
    acc_1 = acc_1 * alpha_1;
    acc_2 = acc_2 * alpha_1;
    acc_3 = acc_3 * alpha_1;
    let alpha_2: f32 = row_alpha[or0 + 1u];
    acc_4 = acc_4 * alpha_2;
    acc_5 = acc_5 * alpha_2;
    acc_6 = acc_6 * alpha_2;
    acc_7 = acc_7 * alpha_2;
    let alpha_3: f32 = row_alpha[or0 + 2u];
    acc_8 = acc_8 * alpha_3;
    acc_9 = acc_9 * alpha_3;
    acc_10 = acc_10 * alpha_3;
    acc_11 = acc_11 * alpha_3;
    let alpha_4: f32 = row_alpha[or0 + 3u];
    acc_12 = acc_12 * alpha_4;
    acc_13 = acc_13 * alpha_4;
    acc_14 = acc_14 * alpha_4;
    acc_15 = acc_15 * alpha_4;
    for (var kg: u32 = 0u; kg < params.key_groups; kg += 1u) {
      let pv: vec4<f32> = p_tile[((or0 + 0u) * 8u) + kg];
      let pv_1: vec4<f32> = p_tile[((or0 + 1u) * 8u) + kg];
      let pv_2: vec4<f32> = p_tile[((or0 + 2u) * 8u) + kg];
      let pv_3: vec4<f32> = p_tile[((or0 + 3u) * 8u) + kg];
      let vo: u32 = ((kg * 4u) + 0u) * 16u;
      let vv: vec4<f32> = v_tile[vo + oc];
      let vv_1: vec4<f32> = v_tile[vo + oc_1];
      let vv_2: vec4<f32> = v_tile[vo + oc_2];
      let vv_3: vec4<f32> = v_tile[vo + oc_3];
      acc = acc + (pv.x * vv);
      acc_1 = acc_1 + (pv.x * vv_1);
      acc_2 = acc_2 + (pv.x * vv_2);
      acc_3 = acc_3 + (pv.x * vv_3);
      acc_4 = acc_4 + (pv_1.x * vv);
      acc_5 = acc_5 + (pv_1.x * vv_1);
      acc_6 = acc_6 + (pv_1.x * vv_2);
      acc_7 = acc_7 + (pv_1.x * vv_3);
      acc_8 = acc_8 + (pv_2.x * vv);
      acc_9 = acc_9 + (pv_2.x * vv_1);
      acc_10 = acc_10 + (pv_2.x * vv_2);
      acc_11 = acc_11 + (pv_2.x * vv_3);
      acc_12 = acc_12 + (pv_3.x * vv);
      acc_13 = acc_13 + (pv_3.x * vv_1);
      acc_14 = acc_14 + (pv_3.x * vv_2);
      acc_15 = acc_15 + (pv_3.x * vv_3);
      let vo_1: u32 = ((kg * 4u) + 1u) * 16u;
      let vv_4: vec4<f32> = v_tile[vo_1 + oc];
      let vv_5: vec4<f32> = v_tile[vo_1 + oc_1];
      let vv_6: vec4<f32> = v_tile[vo_1 + oc_2];
      let vv_7: vec4<f32> = v_tile[vo_1 + oc_3];
      acc = acc + (pv.y * vv_4);
      acc_1 = acc_1 + (pv.y * vv_5);
      acc_2 = acc_2 + (pv.y * vv_6);
      acc_3 = acc_3 + (pv.y * vv_7);
      acc_4 = acc_4 + (pv_1.y * vv_4);
      acc_5 = acc_5 + (pv_1.y * vv_5);
      acc_6 = acc_6 + (pv_1.y * vv_6);
      acc_7 = acc_7 + (pv_1.y * vv_7);
      acc_8 = acc_8 + (pv_2.y * vv_4);
      acc_9 = acc_9 + (pv_2.y * vv_5);
      acc_10 = acc_10 + (pv_2.y * vv_6);
      acc_11 = acc_11 + (pv_2.y * vv_7);
      acc_12 = acc_12 + (pv_3.y * vv_4);
      acc_13 = acc_13 + (pv_3.y * vv_5);
      acc_14 = acc_14 + (pv_3.y * vv_6);
      acc_15 = acc_15 + (pv_3.y * vv_7);
      let vo_2: u32 = ((kg * 4u) + 2u) * 16u;
      let vv_8: vec4<f32> = v_tile[vo_2 + oc];
      let vv_9: vec4<f32> = v_tile[vo_2 + oc_1];
      let vv_10: vec4<f32> = v_tile[vo_2 + oc_2];
      let vv_11: vec4<f32> = v_tile[vo_2 + oc_3];
      acc = acc + (pv.z * vv_8);
      acc_1 = acc_1 + (pv.z * vv_9);
      acc_2 = acc_2 + (pv.z * vv_10);
      acc_3 = acc_3 + (pv.z * vv_11);
      acc_4 = acc_4 + (pv_1.z * vv_8);
      acc_5 = acc_5 + (pv_1.z * vv_9);
      acc_6 = acc_6 + (pv_1.z * vv_10);
      acc_7 = acc_7 + (pv_1.z * vv_11);
      acc_8 = acc_8 + (pv_2.z * vv_8);
      acc_9 = acc_9 + (pv_2.z * vv_9);
      acc_10 = acc_10 + (pv_2.z * vv_10);
      acc_11 = acc_11 + (pv_2.z * vv_11);
      acc_12 = acc_12 + (pv_3.z * vv_8);
      acc_13 = acc_13 + (pv_3.z * vv_9);
      acc_14 = acc_14 + (pv_3.z * vv_10);
      acc_15 = acc_15 + (pv_3.z * vv_11);
      let vo_3: u32 = ((kg * 4u) + 3u) * 16u;
      let vv_12: vec4<f32> = v_tile[vo_3 + oc];
      let vv_13: vec4<f32> = v_tile[vo_3 + oc_1];
      let vv_14: vec4<f32> = v_tile[vo_3 + oc_2];
      let vv_15: vec4<f32> = v_tile[vo_3 + oc_3];
      acc = acc + (pv.w * vv_12);
      acc_1 = acc_1 + (pv.w * vv_13);
      acc_2 = acc_2 + (pv.w * vv_14);
      acc_3 = acc_3 + (pv.w * vv_15);
      acc_4 = acc_4 + (pv_1.w * vv_12);
      acc_5 = acc_5 + (pv_1.w * vv_13);
      acc_6 = acc_6 + (pv_1.w * vv_14);
      acc_7 = acc_7 + (pv_1.w * vv_15);
      acc_8 = acc_8 + (pv_2.w * vv_12);
      acc_9 = acc_9 + (pv_2.w * vv_13);
      acc_10 = acc_10 + (pv_2.w * vv_14);
      acc_11 = acc_11 + (pv_2.w * vv_15);
      acc_12 = acc_12 + (pv_3.w * vv_12);
      acc_13 = acc_13 + (pv_3.w * vv_13);
      acc_14 = acc_14 + (pv_3.w * vv_14);
      acc_15 = acc_15 + (pv_3.w * vv_15);
    }
    workgroupBarrier();
  }
  for (var r_5: u32 = t; r_5 < 32u; r_5 += 32u) {
    let l: f32 = row_sum[r_5];
    let empty: bool = l == 0.0f;
    row_alpha[r_5] = select(1.0f / l, 0.0f, empty);
  }
  workgroupBarrier();
  let row: u32 = row0 + (or0 + 0u);
  let inv_l: f32 = row_alpha[or0 + 0u];
  let empty_1: bool = inv_l == 0.0f;
  if (row < 37u) {
    let o_3: u32 = ((((b * 2u) + h) * 37u) + row) * 64u;
    let y: vec4<f32> = acc * inv_l;
    y9[o_3 + ((oc * 4u) + 0u)] = select(y.x, 0.0f, empty_1);
    y9[o_3 + ((oc * 4u) + 1u)] = select(y.y, 0.0f, empty_1);
    y9[o_3 + ((oc * 4u) + 2u)] = select(y.z, 0.0f, empty_1);
    y9[o_3 + ((oc * 4u) + 3u)] = select(y.w, 0.0f, empty_1);
    let y_1: vec4<f32> = acc_1 * inv_l;
    y9[o_3 + ((oc_1 * 4u) + 0u)] = select(y_1.x, 0.0f, empty_1);
    y9[o_3 + ((oc_1 * 4u) + 1u)] = select(y_1.y, 0.0f, empty_1);
    y9[o_3 + ((oc_1 * 4u) + 2u)] = select(y_1.z, 0.0f, empty_1);
    y9[o_3 + ((oc_1 * 4u) + 3u)] = select(y_1.w, 0.0f, empty_1);
    let y_2: vec4<f32> = acc_2 * inv_l;
    y9[o_3 + ((oc_2 * 4u) + 0u)] = select(y_2.x, 0.0f, empty_1);
    y9[o_3 + ((oc_2 * 4u) + 1u)] = select(y_2.y, 0.0f, empty_1);
    y9[o_3 + ((oc_2 * 4u) + 2u)] = select(y_2.z, 0.0f, empty_1);
    y9[o_3 + ((oc_2 * 4u) + 3u)] = select(y_2.w, 0.0f, empty_1);
    let y_3: vec4<f32> = acc_3 * inv_l;
    y9[o_3 + ((oc_3 * 4u) + 0u)] = select(y_3.x, 0.0f, empty_1);
    y9[o_3 + ((oc_3 * 4u) + 1u)] = select(y_3.y, 0.0f, empty_1);
    y9[o_3 + ((oc_3 * 4u) + 2u)] = select(y_3.z, 0.0f, empty_1);
    y9[o_3 + ((oc_3 * 4u) + 3u)] = select(y_3.w, 0.0f, empty_1);
  }
  let row_1: u32 = row0 + (or0 + 1u);
  let inv_l_1: f32 = row_alpha[or0 + 1u];
  let empty_2: bool = inv_l_1 == 0.0f;
  if (row_1 < 37u) {
    let o_4: u32 = ((((b * 2u) + h) * 37u) + row_1) * 64u;
    let y_4: vec4<f32> = acc_4 * inv_l_1;
    y9[o_4 + ((oc * 4u) + 0u)] = select(y_4.x, 0.0f, empty_2);
    y9[o_4 + ((oc * 4u) + 1u)] = select(y_4.y, 0.0f, empty_2);
    y9[o_4 + ((oc * 4u) + 2u)] = select(y_4.z, 0.0f, empty_2);
    y9[o_4 + ((oc * 4u) + 3u)] = select(y_4.w, 0.0f, empty_2);
    let y_5: vec4<f32> = acc_5 * inv_l_1;
    y9[o_4 + ((oc_1 * 4u) + 0u)] = select(y_5.x, 0.0f, empty_2);
    y9[o_4 + ((oc_1 * 4u) + 1u)] = select(y_5.y, 0.0f, empty_2);
    y9[o_4 + ((oc_1 * 4u) + 2u)] = select(y_5.z, 0.0f, empty_2);
    y9[o_4 + ((oc_1 * 4u) + 3u)] = select(y_5.w, 0.0f, empty_2);
    let y_6: vec4<f32> = acc_6 * inv_l_1;
    y9[o_4 + ((oc_2 * 4u) + 0u)] = select(y_6.x, 0.0f, empty_2);
    y9[o_4 + ((oc_2 * 4u) + 1u)] = select(y_6.y, 0.0f, empty_2);
    y9[o_4 + ((oc_2 * 4u) + 2u)] = select(y_6.z, 0.0f, empty_2);
    y9[o_4 + ((oc_2 * 4u) + 3u)] = select(y_6.w, 0.0f, empty_2);
    let y_7: vec4<f32> = acc_7 * inv_l_1;
    y9[o_4 + ((oc_3 * 4u) + 0u)] = select(y_7.x, 0.0f, empty_2);
    y9[o_4 + ((oc_3 * 4u) + 1u)] = select(y_7.y, 0.0f, empty_2);
    y9[o_4 + ((oc_3 * 4u) + 2u)] = select(y_7.z, 0.0f, empty_2);
    y9[o_4 + ((oc_3 * 4u) + 3u)] = select(y_7.w, 0.0f, empty_2);
  }
  let row_2: u32 = row0 + (or0 + 2u);
  let inv_l_2: f32 = row_alpha[or0 + 2u];
  let empty_3: bool = inv_l_2 == 0.0f;
  if (row_2 < 37u) {
    let o_5: u32 = ((((b * 2u) + h) * 37u) + row_2) * 64u;
    let y_8: vec4<f32> = acc_8 * inv_l_2;
    y9[o_5 + ((oc * 4u) + 0u)] = select(y_8.x, 0.0f, empty_3);
    y9[o_5 + ((oc * 4u) + 1u)] = select(y_8.y, 0.0f, empty_3);
    y9[o_5 + ((oc * 4u) + 2u)] = select(y_8.z, 0.0f, empty_3);
    y9[o_5 + ((oc * 4u) + 3u)] = select(y_8.w, 0.0f, empty_3);
    let y_9: vec4<f32> = acc_9 * inv_l_2;
    y9[o_5 + ((oc_1 * 4u) + 0u)] = select(y_9.x, 0.0f, empty_3);
    y9[o_5 + ((oc_1 * 4u) + 1u)] = select(y_9.y, 0.0f, empty_3);
    y9[o_5 + ((oc_1 * 4u) + 2u)] = select(y_9.z, 0.0f, empty_3);
    y9[o_5 + ((oc_1 * 4u) + 3u)] = select(y_9.w, 0.0f, empty_3);
    let y_10: vec4<f32> = acc_10 * inv_l_2;
    y9[o_5 + ((oc_2 * 4u) + 0u)] = select(y_10.x, 0.0f, empty_3);
    y9[o_5 + ((oc_2 * 4u) + 1u)] = select(y_10.y, 0.0f, empty_3);
    y9[o_5 + ((oc_2 * 4u) + 2u)] = select(y_10.z, 0.0f, empty_3);
    y9[o_5 + ((oc_2 * 4u) + 3u)] = select(y_10.w, 0.0f, empty_3);
    let y_11: vec4<f32> = acc_11 * inv_l_2;
    y9[o_5 + ((oc_3 * 4u) + 0u)] = select(y_11.x, 0.0f, empty_3);
    y9[o_5 + ((oc_3 * 4u) + 1u)] = select(y_11.y, 0.0f, empty_3);
    y9[o_5 + ((oc_3 * 4u) + 2u)] = select(y_11.z, 0.0f, empty_3);
    y9[o_5 + ((oc_3 * 4u) + 3u)] = select(y_11.w, 0.0f, empty_3);
  }
  let row_3: u32 = row0 + (or0 + 3u);
  let inv_l_3: f32 = row_alpha[or0 + 3u];
  let empty_4: bool = inv_l_3 == 0.0f;
  if (row_3 < 37u) {
    let o_6: u32 = ((((b * 2u) + h) * 37u) + row_3) * 64u;
    let y_12: vec4<f32> = acc_12 * inv_l_3;
    y9[o_6 + ((oc * 4u) + 0u)] = select(y_12.x, 0.0f, empty_4);
    y9[o_6 + ((oc * 4u) + 1u)] = select(y_12.y, 0.0f, empty_4);
    y9[o_6 + ((oc * 4u) + 2u)] = select(y_12.z, 0.0f, empty_4);
    y9[o_6 + ((oc * 4u) + 3u)] = select(y_12.w, 0.0f, empty_4);
    let y_13: vec4<f32> = acc_13 * inv_l_3;
    y9[o_6 + ((oc_1 * 4u) + 0u)] = select(y_13.x, 0.0f, empty_4);
    y9[o_6 + ((oc_1 * 4u) + 1u)] = select(y_13.y, 0.0f, empty_4);
    y9[o_6 + ((oc_1 * 4u) + 2u)] = select(y_13.z, 0.0f, empty_4);
    y9[o_6 + ((oc_1 * 4u) + 3u)] = select(y_13.w, 0.0f, empty_4);
    let y_14: vec4<f32> = acc_14 * inv_l_3;
    y9[o_6 + ((oc_2 * 4u) + 0u)] = select(y_14.x, 0.0f, empty_4);
    y9[o_6 + ((oc_2 * 4u) + 1u)] = select(y_14.y, 0.0f, empty_4);
    y9[o_6 + ((oc_2 * 4u) + 2u)] = select(y_14.z, 0.0f, empty_4);
    y9[o_6 + ((oc_2 * 4u) + 3u)] = select(y_14.w, 0.0f, empty_4);
    let y_15: vec4<f32> = acc_15 * inv_l_3;
    y9[o_6 + ((oc_3 * 4u) + 0u)] = select(y_15.x, 0.0f, empty_4);
    y9[o_6 + ((oc_3 * 4u) + 1u)] = select(y_15.y, 0.0f, empty_4);
    y9[o_6 + ((oc_3 * 4u) + 2u)] = select(y_15.z, 0.0f, empty_4);
    y9[o_6 + ((oc_3 * 4u) + 3u)] = select(y_15.w, 0.0f, empty_4);
  }
}
