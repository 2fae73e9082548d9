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
// label: attention_qknorm f32[2, 2, 37, 64] (flash rows 32×32, 1 rows per invocation, K/V shared among 8 subgroup lanes; every key masked (no lists))
// params: {"head_groups":16,"key_groups":8,"norm_items":12}
// kernel attention_qknorm_flash
// attention_qknorm: q [2, 2, 37, 64], k [2, 2, 37, 64], v [2, 2, 37, 64] → out [2, 2, 37, 64]
// flash, subgroup rows: one workgroup of 32 per (b, h, 32-row query tile), 1 rows per invocation, K/V rows shared among 8 lanes; keys in chunks of 32; every key masked (no lists)
// prologue: per-head LayerNorm (eps 0.00001) and rotary (dim 32, base 10000) of q and k tiles

enable subgroups;

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

var<workgroup> k_tile: array<vec4<f32>, 512>;
var<workgroup> k_mask: array<u32, 32>;
var<workgroup> inv_freq: array<vec4<f32>, 4>;
var<workgroup> norm_params: array<vec4<f32>, 64>;

@compute @workgroup_size(32, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) sg_lane: u32) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  var q_rows: array<vec4<f32>, 16>;
  var p_rows: array<vec4<f32>, 8>;
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
  let q_param: vec4<f32> = norm_params[0u];
  let q_param_1: vec4<f32> = norm_params[1u];
  let q_param_2: vec4<f32> = norm_params[2u];
  let q_param_3: vec4<f32> = norm_params[3u];
  let q_param_4: vec4<f32> = norm_params[4u];
  let q_param_5: vec4<f32> = norm_params[5u];
  let q_param_6: vec4<f32> = norm_params[6u];
  let q_param_7: vec4<f32> = norm_params[7u];
  let q_param_8: vec4<f32> = norm_params[8u];
  let q_param_9: vec4<f32> = norm_params[9u];
  let q_param_10: vec4<f32> = norm_params[10u];
  let q_param_11: vec4<f32> = norm_params[11u];
  let q_param_12: vec4<f32> = norm_params[12u];
  let q_param_13: vec4<f32> = norm_params[13u];
  let q_param_14: vec4<f32> = norm_params[14u];
  let q_param_15: vec4<f32> = norm_params[15u];
  let q_param_16: vec4<f32> = norm_params[16u];
  let q_param_17: vec4<f32> = norm_params[17u];
  let q_param_18: vec4<f32> = norm_params[18u];
  let q_param_19: vec4<f32> = norm_params[19u];
  let q_param_20: vec4<f32> = norm_params[20u];
  let q_param_21: vec4<f32> = norm_params[21u];
  let q_param_22: vec4<f32> = norm_params[22u];
  let q_param_23: vec4<f32> = norm_params[23u];
  let q_param_24: vec4<f32> = norm_params[24u];
  let q_param_25: vec4<f32> = norm_params[25u];
  let q_param_26: vec4<f32> = norm_params[26u];
  let q_param_27: vec4<f32> = norm_params[27u];
  let q_param_28: vec4<f32> = norm_params[28u];
  let q_param_29: vec4<f32> = norm_params[29u];
  let q_param_30: vec4<f32> = norm_params[30u];
  let q_param_31: vec4<f32> = norm_params[31u];
  let k_param: vec4<f32> = norm_params[32u];
  let k_param_1: vec4<f32> = norm_params[33u];
  let k_param_2: vec4<f32> = norm_params[34u];
  let k_param_3: vec4<f32> = norm_params[35u];
  let k_param_4: vec4<f32> = norm_params[36u];
  let k_param_5: vec4<f32> = norm_params[37u];
  let k_param_6: vec4<f32> = norm_params[38u];
  let k_param_7: vec4<f32> = norm_params[39u];
  let k_param_8: vec4<f32> = norm_params[40u];
  let k_param_9: vec4<f32> = norm_params[41u];
  let k_param_10: vec4<f32> = norm_params[42u];
  let k_param_11: vec4<f32> = norm_params[43u];
  let k_param_12: vec4<f32> = norm_params[44u];
  let k_param_13: vec4<f32> = norm_params[45u];
  let k_param_14: vec4<f32> = norm_params[46u];
  let k_param_15: vec4<f32> = norm_params[47u];
  let k_param_16: vec4<f32> = norm_params[48u];
  let k_param_17: vec4<f32> = norm_params[49u];
  let k_param_18: vec4<f32> = norm_params[50u];
  let k_param_19: vec4<f32> = norm_params[51u];
  let k_param_20: vec4<f32> = norm_params[52u];
  let k_param_21: vec4<f32> = norm_params[53u];
  let k_param_22: vec4<f32> = norm_params[54u];
  let k_param_23: vec4<f32> = norm_params[55u];
  let k_param_24: vec4<f32> = norm_params[56u];
  let k_param_25: vec4<f32> = norm_params[57u];
  let k_param_26: vec4<f32> = norm_params[58u];
  let k_param_27: vec4<f32> = norm_params[59u];
  let k_param_28: vec4<f32> = norm_params[60u];
  let k_param_29: vec4<f32> = norm_params[61u];
  let k_param_30: vec4<f32> = norm_params[62u];
  let k_param_31: vec4<f32> = norm_params[63u];
  let freq: vec4<f32> = inv_freq[0u];
  let freq_1: vec4<f32> = inv_freq[1u];
  let freq_2: vec4<f32> = inv_freq[2u];
  let freq_3: vec4<f32> = inv_freq[3u];
  for (var i: u32 = 0u; i < 1u; i += 1u) {
    let o: u32 = i * 16u;
    let j: u32 = min(row0 + (t + (i * 32u)), 36u);
    let x: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 0u];
    let x_1: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 1u];
    let x_2: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 2u];
    let x_3: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 3u];
    let x_4: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 4u];
    let x_5: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 5u];
    let x_6: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 6u];
    let x_7: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 7u];
    let x_8: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 8u];
    let x_9: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 9u];
    let x_10: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 10u];
    let x_11: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 11u];
    let x_12: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 12u];
    let x_13: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 13u];
    let x_14: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 14u];
    let x_15: vec4<f32> = x4_v4[(((((b * 2u) + h) * 37u) + j) * 16u) + 15u];
    let shift: vec4<f32> = vec4<f32>(x.x);
    let c: vec4<f32> = x - shift;
    let sum: vec4<f32> = vec4<f32>(0.0f) + c;
    let sq: vec4<f32> = vec4<f32>(0.0f) + (c * c);
    let c_1: vec4<f32> = x_1 - shift;
    let sum_1: vec4<f32> = sum + c_1;
    let sq_1: vec4<f32> = sq + (c_1 * c_1);
    let c_2: vec4<f32> = x_2 - shift;
    let sum_2: vec4<f32> = sum_1 + c_2;
    let sq_2: vec4<f32> = sq_1 + (c_2 * c_2);
    let c_3: vec4<f32> = x_3 - shift;
    let sum_3: vec4<f32> = sum_2 + c_3;
    let sq_3: vec4<f32> = sq_2 + (c_3 * c_3);
    let c_4: vec4<f32> = x_4 - shift;
    let sum_4: vec4<f32> = sum_3 + c_4;
    let sq_4: vec4<f32> = sq_3 + (c_4 * c_4);
    let c_5: vec4<f32> = x_5 - shift;
    let sum_5: vec4<f32> = sum_4 + c_5;
    let sq_5: vec4<f32> = sq_4 + (c_5 * c_5);
    let c_6: vec4<f32> = x_6 - shift;
    let sum_6: vec4<f32> = sum_5 + c_6;
    let sq_6: vec4<f32> = sq_5 + (c_6 * c_6);
    let c_7: vec4<f32> = x_7 - shift;
    let sum_7: vec4<f32> = sum_6 + c_7;
    let sq_7: vec4<f32> = sq_6 + (c_7 * c_7);
    let c_8: vec4<f32> = x_8 - shift;
    let sum_8: vec4<f32> = sum_7 + c_8;
    let sq_8: vec4<f32> = sq_7 + (c_8 * c_8);
    let c_9: vec4<f32> = x_9 - shift;
    let sum_9: vec4<f32> = sum_8 + c_9;
    let sq_9: vec4<f32> = sq_8 + (c_9 * c_9);
    let c_10: vec4<f32> = x_10 - shift;
    let sum_10: vec4<f32> = sum_9 + c_10;
    let sq_10: vec4<f32> = sq_9 + (c_10 * c_10);
    let c_11: vec4<f32> = x_11 - shift;
    let sum_11: vec4<f32> = sum_10 + c_11;
    let sq_11: vec4<f32> = sq_10 + (c_11 * c_11);
    let c_12: vec4<f32> = x_12 - shift;
    let sum_12: vec4<f32> = sum_11 + c_12;
    let sq_12: vec4<f32> = sq_11 + (c_12 * c_12);
    let c_13: vec4<f32> = x_13 - shift;
    let sum_13: vec4<f32> = sum_12 + c_13;
    let sq_13: vec4<f32> = sq_12 + (c_13 * c_13);
    let c_14: vec4<f32> = x_14 - shift;
    let sum_14: vec4<f32> = sum_13 + c_14;
    let sq_14: vec4<f32> = sq_13 + (c_14 * c_14);
    let c_15: vec4<f32> = x_15 - shift;
    let sum_15: vec4<f32> = sum_14 + c_15;
    let sq_15: vec4<f32> = sq_14 + (c_15 * c_15);
    let m1: f32 = ((sum_15.x + sum_15.y) + (sum_15.z + sum_15.w)) * 0.015625f;
    let var_1: f32 = max((((sq_15.x + sq_15.y) + (sq_15.z + sq_15.w)) * 0.015625f) - (m1 * m1), 0.0f);
    let mean: vec4<f32> = vec4<f32>(m1 + shift.x);
    let rstd: vec4<f32> = vec4<f32>(inverseSqrt(var_1 + 1e-5f));
    let n: vec4<f32> = (((x - mean) * rstd) * q_param) + q_param_16;
    let n_1: vec4<f32> = (((x_1 - mean) * rstd) * q_param_1) + q_param_17;
    let n_2: vec4<f32> = (((x_2 - mean) * rstd) * q_param_2) + q_param_18;
    let n_3: vec4<f32> = (((x_3 - mean) * rstd) * q_param_3) + q_param_19;
    let n_4: vec4<f32> = (((x_4 - mean) * rstd) * q_param_4) + q_param_20;
    let n_5: vec4<f32> = (((x_5 - mean) * rstd) * q_param_5) + q_param_21;
    let n_6: vec4<f32> = (((x_6 - mean) * rstd) * q_param_6) + q_param_22;
    let n_7: vec4<f32> = (((x_7 - mean) * rstd) * q_param_7) + q_param_23;
    let n_8: vec4<f32> = (((x_8 - mean) * rstd) * q_param_8) + q_param_24;
    let n_9: vec4<f32> = (((x_9 - mean) * rstd) * q_param_9) + q_param_25;
    let n_10: vec4<f32> = (((x_10 - mean) * rstd) * q_param_10) + q_param_26;
    let n_11: vec4<f32> = (((x_11 - mean) * rstd) * q_param_11) + q_param_27;
    let n_12: vec4<f32> = (((x_12 - mean) * rstd) * q_param_12) + q_param_28;
    let n_13: vec4<f32> = (((x_13 - mean) * rstd) * q_param_13) + q_param_29;
    let n_14: vec4<f32> = (((x_14 - mean) * rstd) * q_param_14) + q_param_30;
    let n_15: vec4<f32> = (((x_15 - mean) * rstd) * q_param_15) + q_param_31;
    let v: i32 = x5[min(j + 0u, 36u)];
    let p: f32 = f32(v);
    let quadrant: vec4<f32> = round((freq * p) * vec4<f32>(0.63661975f));
    let red: vec4<f32> = (((freq * p) - (quadrant * vec4<f32>(1.5703125f))) - (quadrant * vec4<f32>(0.0004837513f))) - (quadrant * vec4<f32>(7.54979e-8f));
    let z: vec4<f32> = red * red;
    let s_r: vec4<f32> = fma(red * z, fma(z, fma(z, vec4<f32>(-0.00019515296f), vec4<f32>(0.008332161f)), vec4<f32>(-0.16666655f)), red);
    let c_r: vec4<f32> = fma(z * z, fma(z, fma(z, vec4<f32>(2.4433157e-5f), vec4<f32>(-0.0013887316f)), vec4<f32>(0.041666646f)), fma(z, vec4<f32>(-0.5f), vec4<f32>(1.0f)));
    let q: vec4<f32> = quadrant - (vec4<f32>(4.0f) * floor(quadrant * vec4<f32>(0.25f)));
    let odd: vec4<f32> = q - (vec4<f32>(2.0f) * floor(q * vec4<f32>(0.5f)));
    let sin_t: vec4<f32> = s_r + (odd * (c_r - s_r));
    let cos_t: vec4<f32> = c_r + (odd * (s_r - c_r));
    let sin4: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(q * vec4<f32>(0.5f)))) * sin_t;
    let cos4: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(((q + vec4<f32>(1.0f)) - (vec4<f32>(4.0f) * floor((q + vec4<f32>(1.0f)) * vec4<f32>(0.25f)))) * vec4<f32>(0.5f)))) * cos_t;
    let r1: vec4<f32> = (n * cos4) - (n_4 * sin4);
    let r2: vec4<f32> = (n_4 * cos4) + (n * sin4);
    let quadrant_1: vec4<f32> = round((freq_1 * p) * vec4<f32>(0.63661975f));
    let red_1: vec4<f32> = (((freq_1 * p) - (quadrant_1 * vec4<f32>(1.5703125f))) - (quadrant_1 * vec4<f32>(0.0004837513f))) - (quadrant_1 * vec4<f32>(7.54979e-8f));
    let z_1: vec4<f32> = red_1 * red_1;
    let s_r_1: vec4<f32> = fma(red_1 * z_1, fma(z_1, fma(z_1, vec4<f32>(-0.00019515296f), vec4<f32>(0.008332161f)), vec4<f32>(-0.16666655f)), red_1);
    let c_r_1: vec4<f32> = fma(z_1 * z_1, fma(z_1, fma(z_1, vec4<f32>(2.4433157e-5f), vec4<f32>(-0.0013887316f)), vec4<f32>(0.041666646f)), fma(z_1, vec4<f32>(-0.5f), vec4<f32>(1.0f)));
    let q_1: vec4<f32> = quadrant_1 - (vec4<f32>(4.0f) * floor(quadrant_1 * vec4<f32>(0.25f)));
    let odd_1: vec4<f32> = q_1 - (vec4<f32>(2.0f) * floor(q_1 * vec4<f32>(0.5f)));
    let sin_t_1: vec4<f32> = s_r_1 + (odd_1 * (c_r_1 - s_r_1));
    let cos_t_1: vec4<f32> = c_r_1 + (odd_1 * (s_r_1 - c_r_1));
    let sin4_1: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(q_1 * vec4<f32>(0.5f)))) * sin_t_1;
    let cos4_1: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(((q_1 + vec4<f32>(1.0f)) - (vec4<f32>(4.0f) * floor((q_1 + vec4<f32>(1.0f)) * vec4<f32>(0.25f)))) * vec4<f32>(0.5f)))) * cos_t_1;
    let r1_1: vec4<f32> = (n_1 * cos4_1) - (n_5 * sin4_1);
    let r2_1: vec4<f32> = (n_5 * cos4_1) + (n_1 * sin4_1);
    let quadrant_2: vec4<f32> = round((freq_2 * p) * vec4<f32>(0.63661975f));
    let red_2: vec4<f32> = (((freq_2 * p) - (quadrant_2 * vec4<f32>(1.5703125f))) - (quadrant_2 * vec4<f32>(0.0004837513f))) - (quadrant_2 * vec4<f32>(7.54979e-8f));
    let z_2: vec4<f32> = red_2 * red_2;
    let s_r_2: vec4<f32> = fma(red_2 * z_2, fma(z_2, fma(z_2, vec4<f32>(-0.00019515296f), vec4<f32>(0.008332161f)), vec4<f32>(-0.16666655f)), red_2);
    let c_r_2: vec4<f32> = fma(z_2 * z_2, fma(z_2, fma(z_2, vec4<f32>(2.4433157e-5f), vec4<f32>(-0.0013887316f)), vec4<f32>(0.041666646f)), fma(z_2, vec4<f32>(-0.5f), vec4<f32>(1.0f)));
    let q_2: vec4<f32> = quadrant_2 - (vec4<f32>(4.0f) * floor(quadrant_2 * vec4<f32>(0.25f)));
    let odd_2: vec4<f32> = q_2 - (vec4<f32>(2.0f) * floor(q_2 * vec4<f32>(0.5f)));
    let sin_t_2: vec4<f32> = s_r_2 + (odd_2 * (c_r_2 - s_r_2));
    let cos_t_2: vec4<f32> = c_r_2 + (odd_2 * (s_r_2 - c_r_2));
    let sin4_2: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(q_2 * vec4<f32>(0.5f)))) * sin_t_2;
    let cos4_2: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(((q_2 + vec4<f32>(1.0f)) - (vec4<f32>(4.0f) * floor((q_2 + vec4<f32>(1.0f)) * vec4<f32>(0.25f)))) * vec4<f32>(0.5f)))) * cos_t_2;
    let r1_2: vec4<f32> = (n_2 * cos4_2) - (n_6 * sin4_2);
    let r2_2: vec4<f32> = (n_6 * cos4_2) + (n_2 * sin4_2);
    let quadrant_3: vec4<f32> = round((freq_3 * p) * vec4<f32>(0.63661975f));
    let red_3: vec4<f32> = (((freq_3 * p) - (quadrant_3 * vec4<f32>(1.5703125f))) - (quadrant_3 * vec4<f32>(0.0004837513f))) - (quadrant_3 * vec4<f32>(7.54979e-8f));
    let z_3: vec4<f32> = red_3 * red_3;
    let s_r_3: vec4<f32> = fma(red_3 * z_3, fma(z_3, fma(z_3, vec4<f32>(-0.00019515296f), vec4<f32>(0.008332161f)), vec4<f32>(-0.16666655f)), red_3);
    let c_r_3: vec4<f32> = fma(z_3 * z_3, fma(z_3, fma(z_3, vec4<f32>(2.4433157e-5f), vec4<f32>(-0.0013887316f)), vec4<f32>(0.041666646f)), fma(z_3, vec4<f32>(-0.5f), vec4<f32>(1.0f)));
    let q_3: vec4<f32> = quadrant_3 - (vec4<f32>(4.0f) * floor(quadrant_3 * vec4<f32>(0.25f)));
    let odd_3: vec4<f32> = q_3 - (vec4<f32>(2.0f) * floor(q_3 * vec4<f32>(0.5f)));
    let sin_t_3: vec4<f32> = s_r_3 + (odd_3 * (c_r_3 - s_r_3));
    let cos_t_3: vec4<f32> = c_r_3 + (odd_3 * (s_r_3 - c_r_3));
    let sin4_3: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(q_3 * vec4<f32>(0.5f)))) * sin_t_3;
    let cos4_3: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(((q_3 + vec4<f32>(1.0f)) - (vec4<f32>(4.0f) * floor((q_3 + vec4<f32>(1.0f)) * vec4<f32>(0.25f)))) * vec4<f32>(0.5f)))) * cos_t_3;
    let r1_3: vec4<f32> = (n_3 * cos4_3) - (n_7 * sin4_3);
    let r2_3: vec4<f32> = (n_7 * cos4_3) + (n_3 * sin4_3);
    let y: vec4<f32> = r1 * 0.125f;
    let y_1: vec4<f32> = r1_1 * 0.125f;
    let y_2: vec4<f32> = r1_2 * 0.125f;
    let y_3: vec4<f32> = r1_3 * 0.125f;
    let y_4: vec4<f32> = r2 * 0.125f;
    let y_5: vec4<f32> = r2_1 * 0.125f;
    let y_6: vec4<f32> = r2_2 * 0.125f;
    let y_7: vec4<f32> = r2_3 * 0.125f;
    let y_8: vec4<f32> = n_8 * 0.125f;
    let y_9: vec4<f32> = n_9 * 0.125f;
    let y_10: vec4<f32> = n_10 * 0.125f;
    let y_11: vec4<f32> = n_11 * 0.125f;
    let y_12: vec4<f32> = n_12 * 0.125f;
    let y_13: vec4<f32> = n_13 * 0.125f;
    let y_14: vec4<f32> = n_14 * 0.125f;
    let y_15: vec4<f32> = n_15 * 0.125f;
    q_rows[o + 0u] = y;
    q_rows[o + 1u] = y_1;
    q_rows[o + 2u] = y_2;
    q_rows[o + 3u] = y_3;
    q_rows[o + 4u] = y_4;
    q_rows[o + 5u] = y_5;
    q_rows[o + 6u] = y_6;
    q_rows[o + 7u] = y_7;
    q_rows[o + 8u] = y_8;
    q_rows[o + 9u] = y_9;
    q_rows[o + 10u] = y_10;
    q_rows[o + 11u] = y_11;
    q_rows[o + 12u] = y_12;
    q_rows[o + 13u] = y_13;
    q_rows[o + 14u] = y_14;
    q_rows[o + 15u] = y_15;
  }
  let sg_lane_1: u32 = sg_lane % 8u;
  var m_row: f32 = -1e+30f;
  var l_row: f32 = 0.0f;
  var acc_row: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_1: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_2: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_3: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_4: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_5: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_6: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_7: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_8: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_9: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_10: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_11: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_12: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_13: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_14: vec4<f32> = vec4<f32>(0.0f);
  var acc_row_15: vec4<f32> = vec4<f32>(0.0f);
  let pos_q: i32 = i32(row0 + t) + 0i;
  var word: u32 = 0u;
  for (var s: u32 = 0u; s < 3u; s += 1u) {
    let v_1: i32 = x6[(b * 9u) + (s * 3u)];
    let kind: i32 = v_1;
    let v_2: i32 = x6[((b * 9u) + (s * 3u)) + 1u];
    let v_3: i32 = x6[((b * 9u) + (s * 3u)) + 2u];
    let in: bool = ((i32(row0 + t) + 0i) >= v_2) && ((i32(row0 + t) + 0i) < v_3);
    word = word | select(0u, select(select(select(select(0u, 1u << (s + 3u), kind == 2i), 4u, kind == 4i), 2u, kind == 3i), 1u, kind == 1i), in);
  }
  for (var c0: u32 = 0u; c0 < 37u; c0 += 32u) {
    let n_16: u32 = min(32u, 37u - c0);
    for (var r: u32 = t; r < 32u; r += 32u) {
      let j_1: u32 = min(c0 + r, 36u);
      let x_16: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 0u];
      let x_17: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 1u];
      let x_18: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 2u];
      let x_19: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 3u];
      let x_20: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 4u];
      let x_21: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 5u];
      let x_22: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 6u];
      let x_23: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 7u];
      let x_24: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 8u];
      let x_25: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 9u];
      let x_26: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 10u];
      let x_27: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 11u];
      let x_28: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 12u];
      let x_29: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 13u];
      let x_30: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 14u];
      let x_31: vec4<f32> = x7_v4[(((((b * 2u) + h) * 37u) + j_1) * 16u) + 15u];
      let shift_1: vec4<f32> = vec4<f32>(x_16.x);
      let c_16: vec4<f32> = x_16 - shift_1;
      let sum_16: vec4<f32> = vec4<f32>(0.0f) + c_16;
      let sq_16: vec4<f32> = vec4<f32>(0.0f) + (c_16 * c_16);
      let c_17: vec4<f32> = x_17 - shift_1;
      let sum_17: vec4<f32> = sum_16 + c_17;
      let sq_17: vec4<f32> = sq_16 + (c_17 * c_17);
      let c_18: vec4<f32> = x_18 - shift_1;
      let sum_18: vec4<f32> = sum_17 + c_18;
      let sq_18: vec4<f32> = sq_17 + (c_18 * c_18);
      let c_19: vec4<f32> = x_19 - shift_1;
      let sum_19: vec4<f32> = sum_18 + c_19;
      let sq_19: vec4<f32> = sq_18 + (c_19 * c_19);
      let c_20: vec4<f32> = x_20 - shift_1;
      let sum_20: vec4<f32> = sum_19 + c_20;
      let sq_20: vec4<f32> = sq_19 + (c_20 * c_20);
      let c_21: vec4<f32> = x_21 - shift_1;
      let sum_21: vec4<f32> = sum_20 + c_21;
      let sq_21: vec4<f32> = sq_20 + (c_21 * c_21);
      let c_22: vec4<f32> = x_22 - shift_1;
      let sum_22: vec4<f32> = sum_21 + c_22;
      let sq_22: vec4<f32> = sq_21 + (c_22 * c_22);
      let c_23: vec4<f32> = x_23 - shift_1;
      let sum_23: vec4<f32> = sum_22 + c_23;
      let sq_23: vec4<f32> = sq_22 + (c_23 * c_23);
      let c_24: vec4<f32> = x_24 - shift_1;
      let sum_24: vec4<f32> = sum_23 + c_24;
      let sq_24: vec4<f32> = sq_23 + (c_24 * c_24);
      let c_25: vec4<f32> = x_25 - shift_1;
      let sum_25: vec4<f32> = sum_24 + c_25;
      let sq_25: vec4<f32> = sq_24 + (c_25 * c_25);
      let c_26: vec4<f32> = x_26 - shift_1;
      let sum_26: vec4<f32> = sum_25 + c_26;
      let sq_26: vec4<f32> = sq_25 + (c_26 * c_26);
      let c_27: vec4<f32> = x_27 - shift_1;
      let sum_27: vec4<f32> = sum_26 + c_27;
      let sq_27: vec4<f32> = sq_26 + (c_27 * c_27);
      let c_28: vec4<f32> = x_28 - shift_1;
      let sum_28: vec4<f32> = sum_27 + c_28;
      let sq_28: vec4<f32> = sq_27 + (c_28 * c_28);
      let c_29: vec4<f32> = x_29 - shift_1;
      let sum_29: vec4<f32> = sum_28 + c_29;
      let sq_29: vec4<f32> = sq_28 + (c_29 * c_29);
      let c_30: vec4<f32> = x_30 - shift_1;
      let sum_30: vec4<f32> = sum_29 + c_30;
      let sq_30: vec4<f32> = sq_29 + (c_30 * c_30);
      let c_31: vec4<f32> = x_31 - shift_1;
      let sum_31: vec4<f32> = sum_30 + c_31;
      let sq_31: vec4<f32> = sq_30 + (c_31 * c_31);
      let m1_1: f32 = ((sum_31.x + sum_31.y) + (sum_31.z + sum_31.w)) * 0.015625f;
      let var_2: f32 = max((((sq_31.x + sq_31.y) + (sq_31.z + sq_31.w)) * 0.015625f) - (m1_1 * m1_1), 0.0f);
      let mean_1: vec4<f32> = vec4<f32>(m1_1 + shift_1.x);
      let rstd_1: vec4<f32> = vec4<f32>(inverseSqrt(var_2 + 1e-5f));
      let n_17: vec4<f32> = (((x_16 - mean_1) * rstd_1) * k_param) + k_param_16;
      let n_18: vec4<f32> = (((x_17 - mean_1) * rstd_1) * k_param_1) + k_param_17;
      let n_19: vec4<f32> = (((x_18 - mean_1) * rstd_1) * k_param_2) + k_param_18;
      let n_20: vec4<f32> = (((x_19 - mean_1) * rstd_1) * k_param_3) + k_param_19;
      let n_21: vec4<f32> = (((x_20 - mean_1) * rstd_1) * k_param_4) + k_param_20;
      let n_22: vec4<f32> = (((x_21 - mean_1) * rstd_1) * k_param_5) + k_param_21;
      let n_23: vec4<f32> = (((x_22 - mean_1) * rstd_1) * k_param_6) + k_param_22;
      let n_24: vec4<f32> = (((x_23 - mean_1) * rstd_1) * k_param_7) + k_param_23;
      let n_25: vec4<f32> = (((x_24 - mean_1) * rstd_1) * k_param_8) + k_param_24;
      let n_26: vec4<f32> = (((x_25 - mean_1) * rstd_1) * k_param_9) + k_param_25;
      let n_27: vec4<f32> = (((x_26 - mean_1) * rstd_1) * k_param_10) + k_param_26;
      let n_28: vec4<f32> = (((x_27 - mean_1) * rstd_1) * k_param_11) + k_param_27;
      let n_29: vec4<f32> = (((x_28 - mean_1) * rstd_1) * k_param_12) + k_param_28;
      let n_30: vec4<f32> = (((x_29 - mean_1) * rstd_1) * k_param_13) + k_param_29;
      let n_31: vec4<f32> = (((x_30 - mean_1) * rstd_1) * k_param_14) + k_param_30;
      let n_32: vec4<f32> = (((x_31 - mean_1) * rstd_1) * k_param_15) + k_param_31;
      let v_4: i32 = x5[j_1];
      let p_1: f32 = f32(v_4);
      let quadrant_4: vec4<f32> = round((freq * p_1) * vec4<f32>(0.63661975f));
      let red_4: vec4<f32> = (((freq * p_1) - (quadrant_4 * vec4<f32>(1.5703125f))) - (quadrant_4 * vec4<f32>(0.0004837513f))) - (quadrant_4 * vec4<f32>(7.54979e-8f));
      let z_4: vec4<f32> = red_4 * red_4;
      let s_r_4: vec4<f32> = fma(red_4 * z_4, fma(z_4, fma(z_4, vec4<f32>(-0.00019515296f), vec4<f32>(0.008332161f)), vec4<f32>(-0.16666655f)), red_4);
      let c_r_4: vec4<f32> = fma(z_4 * z_4, fma(z_4, fma(z_4, vec4<f32>(2.4433157e-5f), vec4<f32>(-0.0013887316f)), vec4<f32>(0.041666646f)), fma(z_4, vec4<f32>(-0.5f), vec4<f32>(1.0f)));
      let q_4: vec4<f32> = quadrant_4 - (vec4<f32>(4.0f) * floor(quadrant_4 * vec4<f32>(0.25f)));
      let odd_4: vec4<f32> = q_4 - (vec4<f32>(2.0f) * floor(q_4 * vec4<f32>(0.5f)));
      let sin_t_4: vec4<f32> = s_r_4 + (odd_4 * (c_r_4 - s_r_4));
      let cos_t_4: vec4<f32> = c_r_4 + (odd_4 * (s_r_4 - c_r_4));
      let sin4_4: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(q_4 * vec4<f32>(0.5f)))) * sin_t_4;
      let cos4_4: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(((q_4 + vec4<f32>(1.0f)) - (vec4<f32>(4.0f) * floor((q_4 + vec4<f32>(1.0f)) * vec4<f32>(0.25f)))) * vec4<f32>(0.5f)))) * cos_t_4;
      let r1_4: vec4<f32> = (n_17 * cos4_4) - (n_21 * sin4_4);
      let r2_4: vec4<f32> = (n_21 * cos4_4) + (n_17 * sin4_4);
      let quadrant_5: vec4<f32> = round((freq_1 * p_1) * vec4<f32>(0.63661975f));
      let red_5: vec4<f32> = (((freq_1 * p_1) - (quadrant_5 * vec4<f32>(1.5703125f))) - (quadrant_5 * vec4<f32>(0.0004837513f))) - (quadrant_5 * vec4<f32>(7.54979e-8f));
      let z_5: vec4<f32> = red_5 * red_5;
      let s_r_5: vec4<f32> = fma(red_5 * z_5, fma(z_5, fma(z_5, vec4<f32>(-0.00019515296f), vec4<f32>(0.008332161f)), vec4<f32>(-0.16666655f)), red_5);
      let c_r_5: vec4<f32> = fma(z_5 * z_5, fma(z_5, fma(z_5, vec4<f32>(2.4433157e-5f), vec4<f32>(-0.0013887316f)), vec4<f32>(0.041666646f)), fma(z_5, vec4<f32>(-0.5f), vec4<f32>(1.0f)));
      let q_5: vec4<f32> = quadrant_5 - (vec4<f32>(4.0f) * floor(quadrant_5 * vec4<f32>(0.25f)));
      let odd_5: vec4<f32> = q_5 - (vec4<f32>(2.0f) * floor(q_5 * vec4<f32>(0.5f)));
      let sin_t_5: vec4<f32> = s_r_5 + (odd_5 * (c_r_5 - s_r_5));
      let cos_t_5: vec4<f32> = c_r_5 + (odd_5 * (s_r_5 - c_r_5));
      let sin4_5: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(q_5 * vec4<f32>(0.5f)))) * sin_t_5;
      let cos4_5: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(((q_5 + vec4<f32>(1.0f)) - (vec4<f32>(4.0f) * floor((q_5 + vec4<f32>(1.0f)) * vec4<f32>(0.25f)))) * vec4<f32>(0.5f)))) * cos_t_5;
      let r1_5: vec4<f32> = (n_18 * cos4_5) - (n_22 * sin4_5);
      let r2_5: vec4<f32> = (n_22 * cos4_5) + (n_18 * sin4_5);
      let quadrant_6: vec4<f32> = round((freq_2 * p_1) * vec4<f32>(0.63661975f));
      let red_6: vec4<f32> = (((freq_2 * p_1) - (quadrant_6 * vec4<f32>(1.5703125f))) - (quadrant_6 * vec4<f32>(0.0004837513f))) - (quadrant_6 * vec4<f32>(7.54979e-8f));
      let z_6: vec4<f32> = red_6 * red_6;
      let s_r_6: vec4<f32> = fma(red_6 * z_6, fma(z_6, fma(z_6, vec4<f32>(-0.00019515296f), vec4<f32>(0.008332161f)), vec4<f32>(-0.16666655f)), red_6);
      let c_r_6: vec4<f32> = fma(z_6 * z_6, fma(z_6, fma(z_6, vec4<f32>(2.4433157e-5f), vec4<f32>(-0.0013887316f)), vec4<f32>(0.041666646f)), fma(z_6, vec4<f32>(-0.5f), vec4<f32>(1.0f)));
      let q_6: vec4<f32> = quadrant_6 - (vec4<f32>(4.0f) * floor(quadrant_6 * vec4<f32>(0.25f)));
      let odd_6: vec4<f32> = q_6 - (vec4<f32>(2.0f) * floor(q_6 * vec4<f32>(0.5f)));
      let sin_t_6: vec4<f32> = s_r_6 + (odd_6 * (c_r_6 - s_r_6));
      let cos_t_6: vec4<f32> = c_r_6 + (odd_6 * (s_r_6 - c_r_6));
      let sin4_6: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(q_6 * vec4<f32>(0.5f)))) * sin_t_6;
      let cos4_6: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(((q_6 + vec4<f32>(1.0f)) - (vec4<f32>(4.0f) * floor((q_6 + vec4<f32>(1.0f)) * vec4<f32>(0.25f)))) * vec4<f32>(0.5f)))) * cos_t_6;
      let r1_6: vec4<f32> = (n_19 * cos4_6) - (n_23 * sin4_6);
      let r2_6: vec4<f32> = (n_23 * cos4_6) + (n_19 * sin4_6);
      let quadrant_7: vec4<f32> = round((freq_3 * p_1) * vec4<f32>(0.63661975f));
      let red_7: vec4<f32> = (((freq_3 * p_1) - (quadrant_7 * vec4<f32>(1.5703125f))) - (quadrant_7 * vec4<f32>(0.0004837513f))) - (quadrant_7 * vec4<f32>(7.54979e-8f));
      let z_7: vec4<f32> = red_7 * red_7;
      let s_r_7: vec4<f32> = fma(red_7 * z_7, fma(z_7, fma(z_7, vec4<f32>(-0.00019515296f), vec4<f32>(0.008332161f)), vec4<f32>(-0.16666655f)), red_7);
      let c_r_7: vec4<f32> = fma(z_7 * z_7, fma(z_7, fma(z_7, vec4<f32>(2.4433157e-5f), vec4<f32>(-0.0013887316f)), vec4<f32>(0.041666646f)), fma(z_7, vec4<f32>(-0.5f), vec4<f32>(1.0f)));
      let q_7: vec4<f32> = quadrant_7 - (vec4<f32>(4.0f) * floor(quadrant_7 * vec4<f32>(0.25f)));
      let odd_7: vec4<f32> = q_7 - (vec4<f32>(2.0f) * floor(q_7 * vec4<f32>(0.5f)));
      let sin_t_7: vec4<f32> = s_r_7 + (odd_7 * (c_r_7 - s_r_7));
      let cos_t_7: vec4<f32> = c_r_7 + (odd_7 * (s_r_7 - c_r_7));
      let sin4_7: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(q_7 * vec4<f32>(0.5f)))) * sin_t_7;
      let cos4_7: vec4<f32> = (vec4<f32>(1.0f) - (vec4<f32>(2.0f) * floor(((q_7 + vec4<f32>(1.0f)) - (vec4<f32>(4.0f) * floor((q_7 + vec4<f32>(1.0f)) * vec4<f32>(0.25f)))) * vec4<f32>(0.5f)))) * cos_t_7;
      let r1_7: vec4<f32> = (n_20 * cos4_7) - (n_24 * sin4_7);
      let r2_7: vec4<f32> = (n_24 * cos4_7) + (n_20 * sin4_7);
      let o_1: u32 = r * 16u;
      k_tile[o_1 + 0u] = r1_4;
      k_tile[o_1 + 1u] = r1_5;
      k_tile[o_1 + 2u] = r1_6;
      k_tile[o_1 + 3u] = r1_7;
      k_tile[o_1 + 4u] = r2_4;
      k_tile[o_1 + 5u] = r2_5;
      k_tile[o_1 + 6u] = r2_6;
      k_tile[o_1 + 7u] = r2_7;
      k_tile[o_1 + 8u] = n_25;
      k_tile[o_1 + 9u] = n_26;
      k_tile[o_1 + 10u] = n_27;
      k_tile[o_1 + 11u] = n_28;
      k_tile[o_1 + 12u] = n_29;
      k_tile[o_1 + 13u] = n_30;
      k_tile[o_1 + 14u] = n_31;
      k_tile[o_1 + 15u] = n_32;
    }
    for (var r_1: u32 = t; r_1 < 32u; r_1 += 32u) {
      var word_1: u32 = 0u;
      for (var s_1: u32 = 0u; s_1 < 3u; s_1 += 1u) {
        let v_5: i32 = x6[(b * 9u) + (s_1 * 3u)];
        let kind_1: i32 = v_5;
        let v_6: i32 = x6[((b * 9u) + (s_1 * 3u)) + 1u];
        let v_7: i32 = x6[((b * 9u) + (s_1 * 3u)) + 2u];
        let in_1: bool = (i32(c0 + r_1) >= v_6) && (i32(c0 + r_1) < v_7);
        word_1 = word_1 | select(0u, select(select(select(select(0u, 1u << (s_1 + 3u), kind_1 == 2i), 4u, kind_1 == 4i), 2u, kind_1 == 3i), 1u, kind_1 == 1i), in_1);
      }
      k_mask[r_1] = word_1;
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
    for (var g: u32 = 0u; g < params.head_groups; g += 1u) {
      let qv: vec4<f32> = q_rows[(0u * 16u) + g];
      let km: vec4<f32> = k_tile[((sg_lane_1 + 0u) * 16u) + g];
      let km_1: vec4<f32> = k_tile[((sg_lane_1 + 8u) * 16u) + g];
      let km_2: vec4<f32> = k_tile[((sg_lane_1 + 16u) * 16u) + g];
      let km_3: vec4<f32> = k_tile[((sg_lane_1 + 24u) * 16u) + g];
      let kv: vec4<f32> = subgroupBroadcast(km, 0u);
      s_2 = fma(qv.w, kv.w, fma(qv.z, kv.z, fma(qv.y, kv.y, fma(qv.x, kv.x, s_2))));
      let kv_1: vec4<f32> = subgroupBroadcast(km, 1u);
      s_3 = fma(qv.w, kv_1.w, fma(qv.z, kv_1.z, fma(qv.y, kv_1.y, fma(qv.x, kv_1.x, s_3))));
      let kv_2: vec4<f32> = subgroupBroadcast(km, 2u);
      s_4 = fma(qv.w, kv_2.w, fma(qv.z, kv_2.z, fma(qv.y, kv_2.y, fma(qv.x, kv_2.x, s_4))));
      let kv_3: vec4<f32> = subgroupBroadcast(km, 3u);
      s_5 = fma(qv.w, kv_3.w, fma(qv.z, kv_3.z, fma(qv.y, kv_3.y, fma(qv.x, kv_3.x, s_5))));
      let kv_4: vec4<f32> = subgroupBroadcast(km, 4u);
      s_6 = fma(qv.w, kv_4.w, fma(qv.z, kv_4.z, fma(qv.y, kv_4.y, fma(qv.x, kv_4.x, s_6))));
      let kv_5: vec4<f32> = subgroupBroadcast(km, 5u);
      s_7 = fma(qv.w, kv_5.w, fma(qv.z, kv_5.z, fma(qv.y, kv_5.y, fma(qv.x, kv_5.x, s_7))));
      let kv_6: vec4<f32> = subgroupBroadcast(km, 6u);
      s_8 = fma(qv.w, kv_6.w, fma(qv.z, kv_6.z, fma(qv.y, kv_6.y, fma(qv.x, kv_6.x, s_8))));
      let kv_7: vec4<f32> = subgroupBroadcast(km, 7u);
      s_9 = fma(qv.w, kv_7.w, fma(qv.z, kv_7.z, fma(qv.y, kv_7.y, fma(qv.x, kv_7.x, s_9))));
      let kv_8: vec4<f32> = subgroupBroadcast(km_1, 0u);
      s_10 = fma(qv.w, kv_8.w, fma(qv.z, kv_8.z, fma(qv.y, kv_8.y, fma(qv.x, kv_8.x, s_10))));
      let kv_9: vec4<f32> = subgroupBroadcast(km_1, 1u);
      s_11 = fma(qv.w, kv_9.w, fma(qv.z, kv_9.z, fma(qv.y, kv_9.y, fma(qv.x, kv_9.x, s_11))));
      let kv_10: vec4<f32> = subgroupBroadcast(km_1, 2u);
      s_12 = fma(qv.w, kv_10.w, fma(qv.z, kv_10.z, fma(qv.y, kv_10.y, fma(qv.x, kv_10.x, s_12))));
      let kv_11: vec4<f32> = subgroupBroadcast(km_1, 3u);
      s_13 = fma(qv.w, kv_11.w, fma(qv.z, kv_11.z, fma(qv.y, kv_11.y, fma(qv.x, kv_11.x, s_13))));
      let kv_12: vec4<f32> = subgroupBroadcast(km_1, 4u);
      s_14 = fma(qv.w, kv_12.w, fma(qv.z, kv_12.z, fma(qv.y, kv_12.y, fma(qv.x, kv_12.x, s_14))));
      let kv_13: vec4<f32> = subgroupBroadcast(km_1, 5u);
      s_15 = fma(qv.w, kv_13.w, fma(qv.z, kv_13.z, fma(qv.y, kv_13.y, fma(qv.x, kv_13.x, s_15))));
      let kv_14: vec4<f32> = subgroupBroadcast(km_1, 6u);
      s_16 = fma(qv.w, kv_14.w, fma(qv.z, kv_14.z, fma(qv.y, kv_14.y, fma(qv.x, kv_14.x, s_16))));
      let kv_15: vec4<f32> = subgroupBroadcast(km_1, 7u);
      s_17 = fma(qv.w, kv_15.w, fma(qv.z, kv_15.z, fma(qv.y, kv_15.y, fma(qv.x, kv_15.x, s_17))));
      let kv_16: vec4<f32> = subgroupBroadcast(km_2, 0u);
      s_18 = fma(qv.w, kv_16.w, fma(qv.z, kv_16.z, fma(qv.y, kv_16.y, fma(qv.x, kv_16.x, s_18))));
      let kv_17: vec4<f32> = subgroupBroadcast(km_2, 1u);
      s_19 = fma(qv.w, kv_17.w, fma(qv.z, kv_17.z, fma(qv.y, kv_17.y, fma(qv.x, kv_17.x, s_19))));
      let kv_18: vec4<f32> = subgroupBroadcast(km_2, 2u);
      s_20 = fma(qv.w, kv_18.w, fma(qv.z, kv_18.z, fma(qv.y, kv_18.y, fma(qv.x, kv_18.x, s_20))));
      let kv_19: vec4<f32> = subgroupBroadcast(km_2, 3u);
      s_21 = fma(qv.w, kv_19.w, fma(qv.z, kv_19.z, fma(qv.y, kv_19.y, fma(qv.x, kv_19.x, s_21))));
      let kv_20: vec4<f32> = subgroupBroadcast(km_2, 4u);
      s_22 = fma(qv.w, kv_20.w, fma(qv.z, kv_20.z, fma(qv.y, kv_20.y, fma(qv.x, kv_20.x, s_22))));
      let kv_21: vec4<f32> = subgroupBroadcast(km_2, 5u);
      s_23 = fma(qv.w, kv_21.w, fma(qv.z, kv_21.z, fma(qv.y, kv_21.y, fma(qv.x, kv_21.x, s_23))));
      let kv_22: vec4<f32> = subgroupBroadcast(km_2, 6u);
      s_24 = fma(qv.w, kv_22.w, fma(qv.z, kv_22.z, fma(qv.y, kv_22.y, fma(qv.x, kv_22.x, s_24))));
      let kv_23: vec4<f32> = subgroupBroadcast(km_2, 7u);
      s_25 = fma(qv.w, kv_23.w, fma(qv.z, kv_23.z, fma(qv.y, kv_23.y, fma(qv.x, kv_23.x, s_25))));
      let kv_24: vec4<f32> = subgroupBroadcast(km_3, 0u);
      s_26 = fma(qv.w, kv_24.w, fma(qv.z, kv_24.z, fma(qv.y, kv_24.y, fma(qv.x, kv_24.x, s_26))));
      let kv_25: vec4<f32> = subgroupBroadcast(km_3, 1u);
      s_27 = fma(qv.w, kv_25.w, fma(qv.z, kv_25.z, fma(qv.y, kv_25.y, fma(qv.x, kv_25.x, s_27))));
      let kv_26: vec4<f32> = subgroupBroadcast(km_3, 2u);
      s_28 = fma(qv.w, kv_26.w, fma(qv.z, kv_26.z, fma(qv.y, kv_26.y, fma(qv.x, kv_26.x, s_28))));
      let kv_27: vec4<f32> = subgroupBroadcast(km_3, 3u);
      s_29 = fma(qv.w, kv_27.w, fma(qv.z, kv_27.z, fma(qv.y, kv_27.y, fma(qv.x, kv_27.x, s_29))));
      let kv_28: vec4<f32> = subgroupBroadcast(km_3, 4u);
      s_30 = fma(qv.w, kv_28.w, fma(qv.z, kv_28.z, fma(qv.y, kv_28.y, fma(qv.x, kv_28.x, s_30))));
      let kv_29: vec4<f32> = subgroupBroadcast(km_3, 5u);
      s_31 = fma(qv.w, kv_29.w, fma(qv.z, kv_29.z, fma(qv.y, kv_29.y, fma(qv.x, kv_29.x, s_31))));
      let kv_30: vec4<f32> = subgroupBroadcast(km_3, 6u);
      s_32 = fma(qv.w, kv_30.w, fma(qv.z, kv_30.z, fma(qv.y, kv_30.y, fma(qv.x, kv_30.x, s_32))));
      let kv_31: vec4<f32> = subgroupBroadcast(km_3, 7u);
      s_33 = fma(qv.w, kv_31.w, fma(qv.z, kv_31.z, fma(qv.y, kv_31.y, fma(qv.x, kv_31.x, s_33))));
    }
    let in_chunk: bool = 0u < n_16;
    let in_chunk_1: bool = 1u < n_16;
    let in_chunk_2: bool = 2u < n_16;
    let in_chunk_3: bool = 3u < n_16;
    let in_chunk_4: bool = 4u < n_16;
    let in_chunk_5: bool = 5u < n_16;
    let in_chunk_6: bool = 6u < n_16;
    let in_chunk_7: bool = 7u < n_16;
    let in_chunk_8: bool = 8u < n_16;
    let in_chunk_9: bool = 9u < n_16;
    let in_chunk_10: bool = 10u < n_16;
    let in_chunk_11: bool = 11u < n_16;
    let in_chunk_12: bool = 12u < n_16;
    let in_chunk_13: bool = 13u < n_16;
    let in_chunk_14: bool = 14u < n_16;
    let in_chunk_15: bool = 15u < n_16;
    let in_chunk_16: bool = 16u < n_16;
    let in_chunk_17: bool = 17u < n_16;
    let in_chunk_18: bool = 18u < n_16;
    let in_chunk_19: bool = 19u < n_16;
    let in_chunk_20: bool = 20u < n_16;
    let in_chunk_21: bool = 21u < n_16;
    let in_chunk_22: bool = 22u < n_16;
    let in_chunk_23: bool = 23u < n_16;
    let in_chunk_24: bool = 24u < n_16;
    let in_chunk_25: bool = 25u < n_16;
    let in_chunk_26: bool = 26u < n_16;
    let in_chunk_27: bool = 27u < n_16;
    let in_chunk_28: bool = 28u < n_16;
    let in_chunk_29: bool = 29u < n_16;
    let in_chunk_30: bool = 30u < n_16;
    let in_chunk_31: bool = 31u < n_16;
    let kw: u32 = k_mask[sg_lane_1 + 0u];
    let kw_1: u32 = k_mask[sg_lane_1 + 8u];
    let kw_2: u32 = k_mask[sg_lane_1 + 16u];
    let kw_3: u32 = k_mask[sg_lane_1 + 24u];
    let k_word: u32 = subgroupBroadcast(kw, 0u);
    let k_word_1: u32 = subgroupBroadcast(kw, 1u);
    let k_word_2: u32 = subgroupBroadcast(kw, 2u);
    let k_word_3: u32 = subgroupBroadcast(kw, 3u);
    let k_word_4: u32 = subgroupBroadcast(kw, 4u);
    let k_word_5: u32 = subgroupBroadcast(kw, 5u);
    let k_word_6: u32 = subgroupBroadcast(kw, 6u);
    let k_word_7: u32 = subgroupBroadcast(kw, 7u);
    let k_word_8: u32 = subgroupBroadcast(kw_1, 0u);
    let k_word_9: u32 = subgroupBroadcast(kw_1, 1u);
    let k_word_10: u32 = subgroupBroadcast(kw_1, 2u);
    let k_word_11: u32 = subgroupBroadcast(kw_1, 3u);
    let k_word_12: u32 = subgroupBroadcast(kw_1, 4u);
    let k_word_13: u32 = subgroupBroadcast(kw_1, 5u);
    let k_word_14: u32 = subgroupBroadcast(kw_1, 6u);
    let k_word_15: u32 = subgroupBroadcast(kw_1, 7u);
    let k_word_16: u32 = subgroupBroadcast(kw_2, 0u);
    let k_word_17: u32 = subgroupBroadcast(kw_2, 1u);
    let k_word_18: u32 = subgroupBroadcast(kw_2, 2u);
    let k_word_19: u32 = subgroupBroadcast(kw_2, 3u);
    let k_word_20: u32 = subgroupBroadcast(kw_2, 4u);
    let k_word_21: u32 = subgroupBroadcast(kw_2, 5u);
    let k_word_22: u32 = subgroupBroadcast(kw_2, 6u);
    let k_word_23: u32 = subgroupBroadcast(kw_2, 7u);
    let k_word_24: u32 = subgroupBroadcast(kw_3, 0u);
    let k_word_25: u32 = subgroupBroadcast(kw_3, 1u);
    let k_word_26: u32 = subgroupBroadcast(kw_3, 2u);
    let k_word_27: u32 = subgroupBroadcast(kw_3, 3u);
    let k_word_28: u32 = subgroupBroadcast(kw_3, 4u);
    let k_word_29: u32 = subgroupBroadcast(kw_3, 5u);
    let k_word_30: u32 = subgroupBroadcast(kw_3, 6u);
    let k_word_31: u32 = subgroupBroadcast(kw_3, 7u);
    let ok: bool = in_chunk && ((!((((word & 4u) != 0u) || ((k_word & 4u) != 0u)) || (((k_word & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 0u) <= pos_q) || (((k_word >> 3u) & (word >> 3u)) != 0u)) || ((k_word & 2u) != 0u)));
    let ok_1: bool = in_chunk_1 && ((!((((word & 4u) != 0u) || ((k_word_1 & 4u) != 0u)) || (((k_word_1 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 1u) <= pos_q) || (((k_word_1 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_1 & 2u) != 0u)));
    let ok_2: bool = in_chunk_2 && ((!((((word & 4u) != 0u) || ((k_word_2 & 4u) != 0u)) || (((k_word_2 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 2u) <= pos_q) || (((k_word_2 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_2 & 2u) != 0u)));
    let ok_3: bool = in_chunk_3 && ((!((((word & 4u) != 0u) || ((k_word_3 & 4u) != 0u)) || (((k_word_3 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 3u) <= pos_q) || (((k_word_3 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_3 & 2u) != 0u)));
    let ok_4: bool = in_chunk_4 && ((!((((word & 4u) != 0u) || ((k_word_4 & 4u) != 0u)) || (((k_word_4 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 4u) <= pos_q) || (((k_word_4 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_4 & 2u) != 0u)));
    let ok_5: bool = in_chunk_5 && ((!((((word & 4u) != 0u) || ((k_word_5 & 4u) != 0u)) || (((k_word_5 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 5u) <= pos_q) || (((k_word_5 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_5 & 2u) != 0u)));
    let ok_6: bool = in_chunk_6 && ((!((((word & 4u) != 0u) || ((k_word_6 & 4u) != 0u)) || (((k_word_6 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 6u) <= pos_q) || (((k_word_6 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_6 & 2u) != 0u)));
    let ok_7: bool = in_chunk_7 && ((!((((word & 4u) != 0u) || ((k_word_7 & 4u) != 0u)) || (((k_word_7 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 7u) <= pos_q) || (((k_word_7 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_7 & 2u) != 0u)));
    let ok_8: bool = in_chunk_8 && ((!((((word & 4u) != 0u) || ((k_word_8 & 4u) != 0u)) || (((k_word_8 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 8u) <= pos_q) || (((k_word_8 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_8 & 2u) != 0u)));
    let ok_9: bool = in_chunk_9 && ((!((((word & 4u) != 0u) || ((k_word_9 & 4u) != 0u)) || (((k_word_9 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 9u) <= pos_q) || (((k_word_9 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_9 & 2u) != 0u)));
    let ok_10: bool = in_chunk_10 && ((!((((word & 4u) != 0u) || ((k_word_10 & 4u) != 0u)) || (((k_word_10 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 10u) <= pos_q) || (((k_word_10 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_10 & 2u) != 0u)));
    let ok_11: bool = in_chunk_11 && ((!((((word & 4u) != 0u) || ((k_word_11 & 4u) != 0u)) || (((k_word_11 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 11u) <= pos_q) || (((k_word_11 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_11 & 2u) != 0u)));
    let ok_12: bool = in_chunk_12 && ((!((((word & 4u) != 0u) || ((k_word_12 & 4u) != 0u)) || (((k_word_12 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 12u) <= pos_q) || (((k_word_12 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_12 & 2u) != 0u)));
    let ok_13: bool = in_chunk_13 && ((!((((word & 4u) != 0u) || ((k_word_13 & 4u) != 0u)) || (((k_word_13 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 13u) <= pos_q) || (((k_word_13 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_13 & 2u) != 0u)));
    let ok_14: bool = in_chunk_14 && ((!((((word & 4u) != 0u) || ((k_word_14 & 4u) != 0u)) || (((k_word_14 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 14u) <= pos_q) || (((k_word_14 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_14 & 2u) != 0u)));
    let ok_15: bool = in_chunk_15 && ((!((((word & 4u) != 0u) || ((k_word_15 & 4u) != 0u)) || (((k_word_15 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 15u) <= pos_q) || (((k_word_15 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_15 & 2u) != 0u)));
    let ok_16: bool = in_chunk_16 && ((!((((word & 4u) != 0u) || ((k_word_16 & 4u) != 0u)) || (((k_word_16 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 16u) <= pos_q) || (((k_word_16 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_16 & 2u) != 0u)));
    let ok_17: bool = in_chunk_17 && ((!((((word & 4u) != 0u) || ((k_word_17 & 4u) != 0u)) || (((k_word_17 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 17u) <= pos_q) || (((k_word_17 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_17 & 2u) != 0u)));
    let ok_18: bool = in_chunk_18 && ((!((((word & 4u) != 0u) || ((k_word_18 & 4u) != 0u)) || (((k_word_18 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 18u) <= pos_q) || (((k_word_18 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_18 & 2u) != 0u)));
    let ok_19: bool = in_chunk_19 && ((!((((word & 4u) != 0u) || ((k_word_19 & 4u) != 0u)) || (((k_word_19 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 19u) <= pos_q) || (((k_word_19 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_19 & 2u) != 0u)));
    let ok_20: bool = in_chunk_20 && ((!((((word & 4u) != 0u) || ((k_word_20 & 4u) != 0u)) || (((k_word_20 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 20u) <= pos_q) || (((k_word_20 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_20 & 2u) != 0u)));
    let ok_21: bool = in_chunk_21 && ((!((((word & 4u) != 0u) || ((k_word_21 & 4u) != 0u)) || (((k_word_21 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 21u) <= pos_q) || (((k_word_21 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_21 & 2u) != 0u)));
    let ok_22: bool = in_chunk_22 && ((!((((word & 4u) != 0u) || ((k_word_22 & 4u) != 0u)) || (((k_word_22 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 22u) <= pos_q) || (((k_word_22 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_22 & 2u) != 0u)));
    let ok_23: bool = in_chunk_23 && ((!((((word & 4u) != 0u) || ((k_word_23 & 4u) != 0u)) || (((k_word_23 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 23u) <= pos_q) || (((k_word_23 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_23 & 2u) != 0u)));
    let ok_24: bool = in_chunk_24 && ((!((((word & 4u) != 0u) || ((k_word_24 & 4u) != 0u)) || (((k_word_24 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 24u) <= pos_q) || (((k_word_24 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_24 & 2u) != 0u)));
    let ok_25: bool = in_chunk_25 && ((!((((word & 4u) != 0u) || ((k_word_25 & 4u) != 0u)) || (((k_word_25 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 25u) <= pos_q) || (((k_word_25 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_25 & 2u) != 0u)));
    let ok_26: bool = in_chunk_26 && ((!((((word & 4u) != 0u) || ((k_word_26 & 4u) != 0u)) || (((k_word_26 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 26u) <= pos_q) || (((k_word_26 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_26 & 2u) != 0u)));
    let ok_27: bool = in_chunk_27 && ((!((((word & 4u) != 0u) || ((k_word_27 & 4u) != 0u)) || (((k_word_27 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 27u) <= pos_q) || (((k_word_27 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_27 & 2u) != 0u)));
    let ok_28: bool = in_chunk_28 && ((!((((word & 4u) != 0u) || ((k_word_28 & 4u) != 0u)) || (((k_word_28 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 28u) <= pos_q) || (((k_word_28 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_28 & 2u) != 0u)));
    let ok_29: bool = in_chunk_29 && ((!((((word & 4u) != 0u) || ((k_word_29 & 4u) != 0u)) || (((k_word_29 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 29u) <= pos_q) || (((k_word_29 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_29 & 2u) != 0u)));
    let ok_30: bool = in_chunk_30 && ((!((((word & 4u) != 0u) || ((k_word_30 & 4u) != 0u)) || (((k_word_30 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 30u) <= pos_q) || (((k_word_30 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_30 & 2u) != 0u)));
    let ok_31: bool = in_chunk_31 && ((!((((word & 4u) != 0u) || ((k_word_31 & 4u) != 0u)) || (((k_word_31 & 1u) != 0u) && (!((word & 1u) != 0u))))) && (((i32(c0 + 31u) <= pos_q) || (((k_word_31 >> 3u) & (word >> 3u)) != 0u)) || ((k_word_31 & 2u) != 0u)));
    let m_new: f32 = max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(m_row, select(-1e+30f, s_2, ok)), select(-1e+30f, s_3, ok_1)), select(-1e+30f, s_4, ok_2)), select(-1e+30f, s_5, ok_3)), select(-1e+30f, s_6, ok_4)), select(-1e+30f, s_7, ok_5)), select(-1e+30f, s_8, ok_6)), select(-1e+30f, s_9, ok_7)), select(-1e+30f, s_10, ok_8)), select(-1e+30f, s_11, ok_9)), select(-1e+30f, s_12, ok_10)), select(-1e+30f, s_13, ok_11)), select(-1e+30f, s_14, ok_12)), select(-1e+30f, s_15, ok_13)), select(-1e+30f, s_16, ok_14)), select(-1e+30f, s_17, ok_15)), select(-1e+30f, s_18, ok_16)), select(-1e+30f, s_19, ok_17)), select(-1e+30f, s_20, ok_18)), select(-1e+30f, s_21, ok_19)), select(-1e+30f, s_22, ok_20)), select(-1e+30f, s_23, ok_21)), select(-1e+30f, s_24, ok_22)), select(-1e+30f, s_25, ok_23)), select(-1e+30f, s_26, ok_24)), select(-1e+30f, s_27, ok_25)), select(-1e+30f, s_28, ok_26)), select(-1e+30f, s_29, ok_27)), select(-1e+30f, s_30, ok_28)), select(-1e+30f, s_31, ok_29)), select(-1e+30f, s_32, ok_30)), select(-1e+30f, s_33, ok_31));
    let alpha: f32 = select(0.0f, exp(m_row - m_new), m_row > -5e+29f);
    let p_2: f32 = select(0.0f, exp(s_2 - m_new), ok);
    let p_3: f32 = select(0.0f, exp(s_3 - m_new), ok_1);
    let p_4: f32 = select(0.0f, exp(s_4 - m_new), ok_2);
    let p_5: f32 = select(0.0f, exp(s_5 - m_new), ok_3);
    let p_6: f32 = select(0.0f, exp(s_6 - m_new), ok_4);
    let p_7: f32 = select(0.0f, exp(s_7 - m_new), ok_5);
    let p_8: f32 = select(0.0f, exp(s_8 - m_new), ok_6);
    let p_9: f32 = select(0.0f, exp(s_9 - m_new), ok_7);
    let p_10: f32 = select(0.0f, exp(s_10 - m_new), ok_8);
    let p_11: f32 = select(0.0f, exp(s_11 - m_new), ok_9);
    let p_12: f32 = select(0.0f, exp(s_12 - m_new), ok_10);
    let p_13: f32 = select(0.0f, exp(s_13 - m_new), ok_11);
    let p_14: f32 = select(0.0f, exp(s_14 - m_new), ok_12);
    let p_15: f32 = select(0.0f, exp(s_15 - m_new), ok_13);
    let p_16: f32 = select(0.0f, exp(s_16 - m_new), ok_14);
    let p_17: f32 = select(0.0f, exp(s_17 - m_new), ok_15);
    let p_18: f32 = select(0.0f, exp(s_18 - m_new), ok_16);
    let p_19: f32 = select(0.0f, exp(s_19 - m_new), ok_17);
    let p_20: f32 = select(0.0f, exp(s_20 - m_new), ok_18);
    let p_21: f32 = select(0.0f, exp(s_21 - m_new), ok_19);
    let p_22: f32 = select(0.0f, exp(s_22 - m_new), ok_20);
    let p_23: f32 = select(0.0f, exp(s_23 - m_new), ok_21);
    let p_24: f32 = select(0.0f, exp(s_24 - m_new), ok_22);
    let p_25: f32 = select(0.0f, exp(s_25 - m_new), ok_23);
    let p_26: f32 = select(0.0f, exp(s_26 - m_new), ok_24);
    let p_27: f32 = select(0.0f, exp(s_27 - m_new), ok_25);
    let p_28: f32 = select(0.0f, exp(s_28 - m_new), ok_26);
    let p_29: f32 = select(0.0f, exp(s_29 - m_new), ok_27);
    let p_30: f32 = select(0.0f, exp(s_30 - m_new), ok_28);
    let p_31: f32 = select(0.0f, exp(s_31 - m_new), ok_29);
    let p_32: f32 = select(0.0f, exp(s_32 - m_new), ok_30);
    let p_33: f32 = select(0.0f, exp(s_33 - m_new), ok_31);
    l_row = fma(l_row, alpha, (((((((0.0f + ((p_2 + p_3) + (p_4 + p_5))) + ((p_6 + p_7) + (p_8 + p_9))) + ((p_10 + p_11) + (p_12 + p_13))) + ((p_14 + p_15) + (p_16 + p_17))) + ((p_18 + p_19) + (p_20 + p_21))) + ((p_22 + p_23) + (p_24 + p_25))) + ((p_26 + p_27) + (p_28 + p_29))) + ((p_30 + p_31) + (p_32 + p_33)));
    m_row = m_new;
    acc_row = acc_row * alpha;
    acc_row_1 = acc_row_1 * alpha;
    acc_row_2 = acc_row_2 * alpha;
    acc_row_3 = acc_row_3 * alpha;
    acc_row_4 = acc_row_4 * alpha;
    acc_row_5 = acc_row_5 * alpha;
    acc_row_6 = acc_row_6 * alpha;
    acc_row_7 = acc_row_7 * alpha;
    acc_row_8 = acc_row_8 * alpha;
    acc_row_9 = acc_row_9 * alpha;
    acc_row_10 = acc_row_10 * alpha;
    acc_row_11 = acc_row_11 * alpha;
    acc_row_12 = acc_row_12 * alpha;
    acc_row_13 = acc_row_13 * alpha;
    acc_row_14 = acc_row_14 * alpha;
    acc_row_15 = acc_row_15 * alpha;
    p_rows[(0u * 8u) + 0u] = vec4<f32>(p_2, p_3, p_4, p_5);
    p_rows[(0u * 8u) + 1u] = vec4<f32>(p_6, p_7, p_8, p_9);
    p_rows[(0u * 8u) + 2u] = vec4<f32>(p_10, p_11, p_12, p_13);
    p_rows[(0u * 8u) + 3u] = vec4<f32>(p_14, p_15, p_16, p_17);
    p_rows[(0u * 8u) + 4u] = vec4<f32>(p_18, p_19, p_20, p_21);
    p_rows[(0u * 8u) + 5u] = vec4<f32>(p_22, p_23, p_24, p_25);
    p_rows[(0u * 8u) + 6u] = vec4<f32>(p_26, p_27, p_28, p_29);
    p_rows[(0u * 8u) + 7u] = vec4<f32>(p_30, p_31, p_32, p_33);
    for (var kg: u32 = 0u; kg < params.key_groups; kg += 1u) {
      let pv: vec4<f32> = p_rows[(0u * 8u) + kg];
      let key: u32 = min(c0 + ((kg * 4u) + 0u), 36u);
      let vm: vec4<f32> = x8_v4[(((((b * 2u) + h) * 37u) + key) * 16u) + (sg_lane_1 + 0u)];
      let vm_1: vec4<f32> = x8_v4[(((((b * 2u) + h) * 37u) + key) * 16u) + (sg_lane_1 + 8u)];
      let key_1: u32 = min(c0 + ((kg * 4u) + 1u), 36u);
      let vm_2: vec4<f32> = x8_v4[(((((b * 2u) + h) * 37u) + key_1) * 16u) + (sg_lane_1 + 0u)];
      let vm_3: vec4<f32> = x8_v4[(((((b * 2u) + h) * 37u) + key_1) * 16u) + (sg_lane_1 + 8u)];
      let key_2: u32 = min(c0 + ((kg * 4u) + 2u), 36u);
      let vm_4: vec4<f32> = x8_v4[(((((b * 2u) + h) * 37u) + key_2) * 16u) + (sg_lane_1 + 0u)];
      let vm_5: vec4<f32> = x8_v4[(((((b * 2u) + h) * 37u) + key_2) * 16u) + (sg_lane_1 + 8u)];
      let key_3: u32 = min(c0 + ((kg * 4u) + 3u), 36u);
      let vm_6: vec4<f32> = x8_v4[(((((b * 2u) + h) * 37u) + key_3) * 16u) + (sg_lane_1 + 0u)];
      let vm_7: vec4<f32> = x8_v4[(((((b * 2u) + h) * 37u) + key_3) * 16u) + (sg_lane_1 + 8u)];
      let vb: vec4<f32> = subgroupBroadcast(vm, 0u);
      let vb_1: vec4<f32> = subgroupBroadcast(vm_2, 0u);
      let vb_2: vec4<f32> = subgroupBroadcast(vm_4, 0u);
      let vb_3: vec4<f32> = subgroupBroadcast(vm_6, 0u);
      acc_row = fma(vec4<f32>(pv.w), vb_3, fma(vec4<f32>(pv.z), vb_2, fma(vec4<f32>(pv.y), vb_1, fma(vec4<f32>(pv.x), vb, acc_row))));
      let vb_4: vec4<f32> = subgroupBroadcast(vm, 1u);
      let vb_5: vec4<f32> = subgroupBroadcast(vm_2, 1u);
      let vb_6: vec4<f32> = subgroupBroadcast(vm_4, 1u);
      let vb_7: vec4<f32> = subgroupBroadcast(vm_6, 1u);
      acc_row_1 = fma(vec4<f32>(pv.w), vb_7, fma(vec4<f32>(pv.z), vb_6, fma(vec4<f32>(pv.y), vb_5, fma(vec4<f32>(pv.x), vb_4, acc_row_1))));
      let vb_8: vec4<f32> = subgroupBroadcast(vm, 2u);
      let vb_9: vec4<f32> = subgroupBroadcast(vm_2, 2u);
      let vb_10: vec4<f32> = subgroupBroadcast(vm_4, 2u);
      let vb_11: vec4<f32> = subgroupBroadcast(vm_6, 2u);
      acc_row_2 = fma(vec4<f32>(pv.w), vb_11, fma(vec4<f32>(pv.z), vb_10, fma(vec4<f32>(pv.y), vb_9, fma(vec4<f32>(pv.x), vb_8, acc_row_2))));
      let vb_12: vec4<f32> = subgroupBroadcast(vm, 3u);
      let vb_13: vec4<f32> = subgroupBroadcast(vm_2, 3u);
      let vb_14: vec4<f32> = subgroupBroadcast(vm_4, 3u);
      let vb_15: vec4<f32> = subgroupBroadcast(vm_6, 3u);
      acc_row_3 = fma(vec4<f32>(pv.w), vb_15, fma(vec4<f32>(pv.z), vb_14, fma(vec4<f32>(pv.y), vb_13, fma(vec4<f32>(pv.x), vb_12, acc_row_3))));
      let vb_16: vec4<f32> = subgroupBroadcast(vm, 4u);
      let vb_17: vec4<f32> = subgroupBroadcast(vm_2, 4u);
      let vb_18: vec4<f32> = subgroupBroadcast(vm_4, 4u);
      let vb_19: vec4<f32> = subgroupBroadcast(vm_6, 4u);
      acc_row_4 = fma(vec4<f32>(pv.w), vb_19, fma(vec4<f32>(pv.z), vb_18, fma(vec4<f32>(pv.y), vb_17, fma(vec4<f32>(pv.x), vb_16, acc_row_4))));
      let vb_20: vec4<f32> = subgroupBroadcast(vm, 5u);
      let vb_21: vec4<f32> = subgroupBroadcast(vm_2, 5u);
      let vb_22: vec4<f32> = subgroupBroadcast(vm_4, 5u);
      let vb_23: vec4<f32> = subgroupBroadcast(vm_6, 5u);
      acc_row_5 = fma(vec4<f32>(pv.w), vb_23, fma(vec4<f32>(pv.z), vb_22, fma(vec4<f32>(pv.y), vb_21, fma(vec4<f32>(pv.x), vb_20, acc_row_5))));
      let vb_24: vec4<f32> = subgroupBroadcast(vm, 6u);
      let vb_25: vec4<f32> = subgroupBroadcast(vm_2, 6u);
      let vb_26: vec4<f32> = subgroupBroadcast(vm_4, 6u);
      let vb_27: vec4<f32> = subgroupBroadcast(vm_6, 6u);
      acc_row_6 = fma(vec4<f32>(pv.w), vb_27, fma(vec4<f32>(pv.z), vb_26, fma(vec4<f32>(pv.y), vb_25, fma(vec4<f32>(pv.x), vb_24, acc_row_6))));
      let vb_28: vec4<f32> = subgroupBroadcast(vm, 7u);
      let vb_29: vec4<f32> = subgroupBroadcast(vm_2, 7u);
      let vb_30: vec4<f32> = subgroupBroadcast(vm_4, 7u);
      let vb_31: vec4<f32> = subgroupBroadcast(vm_6, 7u);
      acc_row_7 = fma(vec4<f32>(pv.w), vb_31, fma(vec4<f32>(pv.z), vb_30, fma(vec4<f32>(pv.y), vb_29, fma(vec4<f32>(pv.x), vb_28, acc_row_7))));
      let vb_32: vec4<f32> = subgroupBroadcast(vm_1, 0u);
      let vb_33: vec4<f32> = subgroupBroadcast(vm_3, 0u);
      let vb_34: vec4<f32> = subgroupBroadcast(vm_5, 0u);
      let vb_35: vec4<f32> = subgroupBroadcast(vm_7, 0u);
      acc_row_8 = fma(vec4<f32>(pv.w), vb_35, fma(vec4<f32>(pv.z), vb_34, fma(vec4<f32>(pv.y), vb_33, fma(vec4<f32>(pv.x), vb_32, acc_row_8))));
      let vb_36: vec4<f32> = subgroupBroadcast(vm_1, 1u);
      let vb_37: vec4<f32> = subgroupBroadcast(vm_3, 1u);
      let vb_38: vec4<f32> = subgroupBroadcast(vm_5, 1u);
      let vb_39: vec4<f32> = subgroupBroadcast(vm_7, 1u);
      acc_row_9 = fma(vec4<f32>(pv.w), vb_39, fma(vec4<f32>(pv.z), vb_38, fma(vec4<f32>(pv.y), vb_37, fma(vec4<f32>(pv.x), vb_36, acc_row_9))));
      let vb_40: vec4<f32> = subgroupBroadcast(vm_1, 2u);
      let vb_41: vec4<f32> = subgroupBroadcast(vm_3, 2u);
      let vb_42: vec4<f32> = subgroupBroadcast(vm_5, 2u);
      let vb_43: vec4<f32> = subgroupBroadcast(vm_7, 2u);
      acc_row_10 = fma(vec4<f32>(pv.w), vb_43, fma(vec4<f32>(pv.z), vb_42, fma(vec4<f32>(pv.y), vb_41, fma(vec4<f32>(pv.x), vb_40, acc_row_10))));
      let vb_44: vec4<f32> = subgroupBroadcast(vm_1, 3u);
      let vb_45: vec4<f32> = subgroupBroadcast(vm_3, 3u);
      let vb_46: vec4<f32> = subgroupBroadcast(vm_5, 3u);
      let vb_47: vec4<f32> = subgroupBroadcast(vm_7, 3u);
      acc_row_11 = fma(vec4<f32>(pv.w), vb_47, fma(vec4<f32>(pv.z), vb_46, fma(vec4<f32>(pv.y), vb_45, fma(vec4<f32>(pv.x), vb_44, acc_row_11))));
      let vb_48: vec4<f32> = subgroupBroadcast(vm_1, 4u);
      let vb_49: vec4<f32> = subgroupBroadcast(vm_3, 4u);
      let vb_50: vec4<f32> = subgroupBroadcast(vm_5, 4u);
      let vb_51: vec4<f32> = subgroupBroadcast(vm_7, 4u);
      acc_row_12 = fma(vec4<f32>(pv.w), vb_51, fma(vec4<f32>(pv.z), vb_50, fma(vec4<f32>(pv.y), vb_49, fma(vec4<f32>(pv.x), vb_48, acc_row_12))));
      let vb_52: vec4<f32> = subgroupBroadcast(vm_1, 5u);
      let vb_53: vec4<f32> = subgroupBroadcast(vm_3, 5u);
      let vb_54: vec4<f32> = subgroupBroadcast(vm_5, 5u);
      let vb_55: vec4<f32> = subgroupBroadcast(vm_7, 5u);
      acc_row_13 = fma(vec4<f32>(pv.w), vb_55, fma(vec4<f32>(pv.z), vb_54, fma(vec4<f32>(pv.y), vb_53, fma(vec4<f32>(pv.x), vb_52, acc_row_13))));
      let vb_56: vec4<f32> = subgroupBroadcast(vm_1, 6u);
      let vb_57: vec4<f32> = subgroupBroadcast(vm_3, 6u);
      let vb_58: vec4<f32> = subgroupBroadcast(vm_5, 6u);
      let vb_59: vec4<f32> = subgroupBroadcast(vm_7, 6u);
      acc_row_14 = fma(vec4<f32>(pv.w), vb_59, fma(vec4<f32>(pv.z), vb_58, fma(vec4<f32>(pv.y), vb_57, fma(vec4<f32>(pv.x), vb_56, acc_row_14))));
      let vb_60: vec4<f32> = subgroupBroadcast(vm_1, 7u);
      let vb_61: vec4<f32> = subgroupBroadcast(vm_3, 7u);
      let vb_62: vec4<f32> = subgroupBroadcast(vm_5, 7u);
      let vb_63: vec4<f32> = subgroupBroadcast(vm_7, 7u);
      acc_row_15 = fma(vec4<f32>(pv.w), vb_63, fma(vec4<f32>(pv.z), vb_62, fma(vec4<f32>(pv.y), vb_61, fma(vec4<f32>(pv.x), vb_60, acc_row_15))));
    }
    workgroupBarrier();
  }
  let row: u32 = row0 + t;
  let empty: bool = l_row == 0.0f;
  let inv_l: f32 = select(1.0f / l_row, 0.0f, empty);
  if (row < 37u) {
    let o_2: u32 = ((((b * 2u) + h) * 37u) + row) * 64u;
    let y_16: vec4<f32> = acc_row * inv_l;
    y9[o_2 + 0u] = select(y_16.x, 0.0f, empty);
    y9[o_2 + 1u] = select(y_16.y, 0.0f, empty);
    y9[o_2 + 2u] = select(y_16.z, 0.0f, empty);
    y9[o_2 + 3u] = select(y_16.w, 0.0f, empty);
    let y_17: vec4<f32> = acc_row_1 * inv_l;
    y9[o_2 + 4u] = select(y_17.x, 0.0f, empty);
    y9[o_2 + 5u] = select(y_17.y, 0.0f, empty);
    y9[o_2 + 6u] = select(y_17.z, 0.0f, empty);
    y9[o_2 + 7u] = select(y_17.w, 0.0f, empty);
    let y_18: vec4<f32> = acc_row_2 * inv_l;
    y9[o_2 + 8u] = select(y_18.x, 0.0f, empty);
    y9[o_2 + 9u] = select(y_18.y, 0.0f, empty);
    y9[o_2 + 10u] = select(y_18.z, 0.0f, empty);
    y9[o_2 + 11u] = select(y_18.w, 0.0f, empty);
    let y_19: vec4<f32> = acc_row_3 * inv_l;
    y9[o_2 + 12u] = select(y_19.x, 0.0f, empty);
    y9[o_2 + 13u] = select(y_19.y, 0.0f, empty);
    y9[o_2 + 14u] = select(y_19.z, 0.0f, empty);
    y9[o_2 + 15u] = select(y_19.w, 0.0f, empty);
    let y_20: vec4<f32> = acc_row_4 * inv_l;
    y9[o_2 + 16u] = select(y_20.x, 0.0f, empty);
    y9[o_2 + 17u] = select(y_20.y, 0.0f, empty);
    y9[o_2 + 18u] = select(y_20.z, 0.0f, empty);
    y9[o_2 + 19u] = select(y_20.w, 0.0f, empty);
    let y_21: vec4<f32> = acc_row_5 * inv_l;
    y9[o_2 + 20u] = select(y_21.x, 0.0f, empty);
    y9[o_2 + 21u] = select(y_21.y, 0.0f, empty);
    y9[o_2 + 22u] = select(y_21.z, 0.0f, empty);
    y9[o_2 + 23u] = select(y_21.w, 0.0f, empty);
    let y_22: vec4<f32> = acc_row_6 * inv_l;
    y9[o_2 + 24u] = select(y_22.x, 0.0f, empty);
    y9[o_2 + 25u] = select(y_22.y, 0.0f, empty);
    y9[o_2 + 26u] = select(y_22.z, 0.0f, empty);
    y9[o_2 + 27u] = select(y_22.w, 0.0f, empty);
    let y_23: vec4<f32> = acc_row_7 * inv_l;
    y9[o_2 + 28u] = select(y_23.x, 0.0f, empty);
    y9[o_2 + 29u] = select(y_23.y, 0.0f, empty);
    y9[o_2 + 30u] = select(y_23.z, 0.0f, empty);
    y9[o_2 + 31u] = select(y_23.w, 0.0f, empty);
    let y_24: vec4<f32> = acc_row_8 * inv_l;
    y9[o_2 + 32u] = select(y_24.x, 0.0f, empty);
    y9[o_2 + 33u] = select(y_24.y, 0.0f, empty);
    y9[o_2 + 34u] = select(y_24.z, 0.0f, empty);
    y9[o_2 + 35u] = select(y_24.w, 0.0f, empty);
    let y_25: vec4<f32> = acc_row_9 * inv_l;
    y9[o_2 + 36u] = select(y_25.x, 0.0f, empty);
    y9[o_2 + 37u] = select(y_25.y, 0.0f, empty);
    y9[o_2 + 38u] = select(y_25.z, 0.0f, empty);
    y9[o_2 + 39u] = select(y_25.w, 0.0f, empty);
    let y_26: vec4<f32> = acc_row_10 * inv_l;
    y9[o_2 + 40u] = select(y_26.x, 0.0f, empty);
    y9[o_2 + 41u] = select(y_26.y, 0.0f, empty);
    y9[o_2 + 42u] = select(y_26.z, 0.0f, empty);
    y9[o_2 + 43u] = select(y_26.w, 0.0f, empty);
    let y_27: vec4<f32> = acc_row_11 * inv_l;
    y9[o_2 + 44u] = select(y_27.x, 0.0f, empty);
    y9[o_2 + 45u] = select(y_27.y, 0.0f, empty);
    y9[o_2 + 46u] = select(y_27.z, 0.0f, empty);
    y9[o_2 + 47u] = select(y_27.w, 0.0f, empty);
    let y_28: vec4<f32> = acc_row_12 * inv_l;
    y9[o_2 + 48u] = select(y_28.x, 0.0f, empty);
    y9[o_2 + 49u] = select(y_28.y, 0.0f, empty);
    y9[o_2 + 50u] = select(y_28.z, 0.0f, empty);
    y9[o_2 + 51u] = select(y_28.w, 0.0f, empty);
    let y_29: vec4<f32> = acc_row_13 * inv_l;
    y9[o_2 + 52u] = select(y_29.x, 0.0f, empty);
    y9[o_2 + 53u] = select(y_29.y, 0.0f, empty);
    y9[o_2 + 54u] = select(y_29.z, 0.0f, empty);
    y9[o_2 + 55u] = select(y_29.w, 0.0f, empty);
    let y_30: vec4<f32> = acc_row_14 * inv_l;
    y9[o_2 + 56u] = select(y_30.x, 0.0f, empty);
    y9[o_2 + 57u] = select(y_30.y, 0.0f, empty);
    y9[o_2 + 58u] = select(y_30.z, 0.0f, empty);
    y9[o_2 + 59u] = select(y_30.w, 0.0f, empty);
    let y_31: vec4<f32> = acc_row_15 * inv_l;
    y9[o_2 + 60u] = select(y_31.x, 0.0f, empty);
    y9[o_2 + 61u] = select(y_31.y, 0.0f, empty);
    y9[o_2 + 62u] = select(y_31.z, 0.0f, empty);
    y9[o_2 + 63u] = select(y_31.w, 0.0f, empty);
  }
}
