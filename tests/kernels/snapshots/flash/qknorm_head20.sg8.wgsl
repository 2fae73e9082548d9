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
// label: attention_qknorm f32[2, 2, 37, 20] (flash 32×32; full and partial lists of 32×32 tiles)
// params: {"head_dim":20,"head_dim_v":20,"rotary_half":5}
// kernel attention_qknorm_flash
// attention_qknorm: q [2, 2, 37, 20], k [2, 2, 37, 20], v [2, 2, 37, 20] → out [2, 2, 37, 20]
// flash (online softmax); one workgroup of 32 per (b, h, query tile); keys in chunks of 32; full and partial lists of 32×32 tiles
// prologue: per-head LayerNorm (eps 0.00001) and rotary (dim 10, base 10000) of q and k tiles

struct Params {
  head_dim: u32,
  head_dim_v: u32,
  rotary_half: u32,
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0: array<f32>;
@group(0) @binding(1) var<storage, read> x1: array<f32>;
@group(0) @binding(2) var<storage, read> x2: array<f32>;
@group(0) @binding(3) var<storage, read> x3: array<i32>;
@group(0) @binding(4) var<storage, read> x4: array<i32>;
@group(0) @binding(5) var<storage, read> x5: array<i32>;
@group(0) @binding(6) var<storage, read> x6: array<f32>;
@group(0) @binding(7) var<storage, read> x7: array<f32>;
@group(0) @binding(8) var<storage, read> x8: array<f32>;
@group(0) @binding(9) var<storage, read> x9: array<f32>;
@group(0) @binding(10) var<storage, read_write> y10: array<f32>;
@group(0) @binding(11) var<uniform> params: Params;

var<workgroup> k_tile: array<f32, 640>;
var<workgroup> v_tile: array<f32, 640>;
var<workgroup> k_mask: array<u32, 32>;
var<workgroup> scores: array<f32, 1024>;
var<workgroup> inv_freq: array<f32, 5>;

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
  let i: u32 = (qt * 32u) + t;
  let live: bool = i < 37u;
  let iq: u32 = min(i, 36u);
  let pos_q: i32 = i32(iq) + 0i;
  if (t == 0u) {
    inv_freq[0u] = 1.0f;
    inv_freq[1u] = 0.15848932f;
    inv_freq[2u] = 0.025118863f;
    inv_freq[3u] = 0.003981071f;
    inv_freq[4u] = 0.00063095725f;
  }
  workgroupBarrier();
  var q: f32 = 0.0f;
  var q_1: f32 = 0.0f;
  var q_2: f32 = 0.0f;
  var q_3: f32 = 0.0f;
  var q_4: f32 = 0.0f;
  var q_5: f32 = 0.0f;
  var q_6: f32 = 0.0f;
  var q_7: f32 = 0.0f;
  var q_8: f32 = 0.0f;
  var q_9: f32 = 0.0f;
  var q_10: f32 = 0.0f;
  var q_11: f32 = 0.0f;
  var q_12: f32 = 0.0f;
  var q_13: f32 = 0.0f;
  var q_14: f32 = 0.0f;
  var q_15: f32 = 0.0f;
  var q_16: f32 = 0.0f;
  var q_17: f32 = 0.0f;
  var q_18: f32 = 0.0f;
  var q_19: f32 = 0.0f;
  let v: f32 = x0[((b * 1480u) + (h * 740u)) + (iq * 20u)];
  q = v;
  let v_1: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 1u];
  q_1 = v_1;
  let v_2: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 2u];
  q_2 = v_2;
  let v_3: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 3u];
  q_3 = v_3;
  let v_4: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 4u];
  q_4 = v_4;
  let v_5: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 5u];
  q_5 = v_5;
  let v_6: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 6u];
  q_6 = v_6;
  let v_7: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 7u];
  q_7 = v_7;
  let v_8: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 8u];
  q_8 = v_8;
  let v_9: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 9u];
  q_9 = v_9;
  let v_10: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 10u];
  q_10 = v_10;
  let v_11: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 11u];
  q_11 = v_11;
  let v_12: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 12u];
  q_12 = v_12;
  let v_13: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 13u];
  q_13 = v_13;
  let v_14: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 14u];
  q_14 = v_14;
  let v_15: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 15u];
  q_15 = v_15;
  let v_16: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 16u];
  q_16 = v_16;
  let v_17: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 17u];
  q_17 = v_17;
  let v_18: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 18u];
  q_18 = v_18;
  let v_19: f32 = x0[(((b * 1480u) + (h * 740u)) + (iq * 20u)) + 19u];
  q_19 = v_19;
  var mean: f32 = 0.0f;
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
  var var_1: f32 = 0.0f;
  let c: f32 = q - mean;
  var_1 = fma(c, c, var_1);
  let c_1: f32 = q_1 - mean;
  var_1 = fma(c_1, c_1, var_1);
  let c_2: f32 = q_2 - mean;
  var_1 = fma(c_2, c_2, var_1);
  let c_3: f32 = q_3 - mean;
  var_1 = fma(c_3, c_3, var_1);
  let c_4: f32 = q_4 - mean;
  var_1 = fma(c_4, c_4, var_1);
  let c_5: f32 = q_5 - mean;
  var_1 = fma(c_5, c_5, var_1);
  let c_6: f32 = q_6 - mean;
  var_1 = fma(c_6, c_6, var_1);
  let c_7: f32 = q_7 - mean;
  var_1 = fma(c_7, c_7, var_1);
  let c_8: f32 = q_8 - mean;
  var_1 = fma(c_8, c_8, var_1);
  let c_9: f32 = q_9 - mean;
  var_1 = fma(c_9, c_9, var_1);
  let c_10: f32 = q_10 - mean;
  var_1 = fma(c_10, c_10, var_1);
  let c_11: f32 = q_11 - mean;
  var_1 = fma(c_11, c_11, var_1);
  let c_12: f32 = q_12 - mean;
  var_1 = fma(c_12, c_12, var_1);
  let c_13: f32 = q_13 - mean;
  var_1 = fma(c_13, c_13, var_1);
  let c_14: f32 = q_14 - mean;
  var_1 = fma(c_14, c_14, var_1);
  let c_15: f32 = q_15 - mean;
  var_1 = fma(c_15, c_15, var_1);
  let c_16: f32 = q_16 - mean;
  var_1 = fma(c_16, c_16, var_1);
  let c_17: f32 = q_17 - mean;
  var_1 = fma(c_17, c_17, var_1);
  let c_18: f32 = q_18 - mean;
  var_1 = fma(c_18, c_18, var_1);
  let c_19: f32 = q_19 - mean;
  var_1 = fma(c_19, c_19, var_1);
  let rstd: f32 = inverseSqrt((var_1 / 20.0f) + 1e-5f);
  let v_20: f32 = x1[0u];
  let v_21: f32 = x2[0u];
  q = fma((q - mean) * rstd, v_20, v_21);
  let v_22: f32 = x1[1u];
  let v_23: f32 = x2[1u];
  q_1 = fma((q_1 - mean) * rstd, v_22, v_23);
  let v_24: f32 = x1[2u];
  let v_25: f32 = x2[2u];
  q_2 = fma((q_2 - mean) * rstd, v_24, v_25);
  let v_26: f32 = x1[3u];
  let v_27: f32 = x2[3u];
  q_3 = fma((q_3 - mean) * rstd, v_26, v_27);
  let v_28: f32 = x1[4u];
  let v_29: f32 = x2[4u];
  q_4 = fma((q_4 - mean) * rstd, v_28, v_29);
  let v_30: f32 = x1[5u];
  let v_31: f32 = x2[5u];
  q_5 = fma((q_5 - mean) * rstd, v_30, v_31);
  let v_32: f32 = x1[6u];
  let v_33: f32 = x2[6u];
  q_6 = fma((q_6 - mean) * rstd, v_32, v_33);
  let v_34: f32 = x1[7u];
  let v_35: f32 = x2[7u];
  q_7 = fma((q_7 - mean) * rstd, v_34, v_35);
  let v_36: f32 = x1[8u];
  let v_37: f32 = x2[8u];
  q_8 = fma((q_8 - mean) * rstd, v_36, v_37);
  let v_38: f32 = x1[9u];
  let v_39: f32 = x2[9u];
  q_9 = fma((q_9 - mean) * rstd, v_38, v_39);
  let v_40: f32 = x1[10u];
  let v_41: f32 = x2[10u];
  q_10 = fma((q_10 - mean) * rstd, v_40, v_41);
  let v_42: f32 = x1[11u];
  let v_43: f32 = x2[11u];
  q_11 = fma((q_11 - mean) * rstd, v_42, v_43);
  let v_44: f32 = x1[12u];
  let v_45: f32 = x2[12u];
  q_12 = fma((q_12 - mean) * rstd, v_44, v_45);
  let v_46: f32 = x1[13u];
  let v_47: f32 = x2[13u];
  q_13 = fma((q_13 - mean) * rstd, v_46, v_47);
  let v_48: f32 = x1[14u];
  let v_49: f32 = x2[14u];
  q_14 = fma((q_14 - mean) * rstd, v_48, v_49);
  let v_50: f32 = x1[15u];
  let v_51: f32 = x2[15u];
  q_15 = fma((q_15 - mean) * rstd, v_50, v_51);
  let v_52: f32 = x1[16u];
  let v_53: f32 = x2[16u];
  q_16 = fma((q_16 - mean) * rstd, v_52, v_53);
  let v_54: f32 = x1[17u];
  let v_55: f32 = x2[17u];
  q_17 = fma((q_17 - mean) * rstd, v_54, v_55);
  let v_56: f32 = x1[18u];
  let v_57: f32 = x2[18u];
  q_18 = fma((q_18 - mean) * rstd, v_56, v_57);
  let v_58: f32 = x1[19u];
  let v_59: f32 = x2[19u];
  q_19 = fma((q_19 - mean) * rstd, v_58, v_59);
  let v_60: i32 = x3[iq];
  let p: f32 = f32(v_60);
  let quadrant: f32 = round((p * inv_freq[0u]) * 0.63661975f);
  let red: f32 = (((p * inv_freq[0u]) - (quadrant * 1.5703125f)) - (quadrant * 0.0004837513f)) - (quadrant * 7.54979e-8f);
  let z: f32 = red * red;
  let s_r: f32 = fma(red * z, fma(z, fma(z, -0.00019515296f, 0.008332161f), -0.16666655f), red);
  let c_r: f32 = fma(z * z, fma(z, fma(z, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fma(z, -0.5f, 1.0f));
  let q_20: i32 = i32(quadrant) & 3i;
  let sin_t: f32 = select(s_r, c_r, (q_20 & 1i) != 0i);
  let cos_t: f32 = select(c_r, s_r, (q_20 & 1i) != 0i);
  let x1_1: f32 = q;
  let x2_1: f32 = q_5;
  q = (x1_1 * select(cos_t, -cos_t, (q_20 == 1i) || (q_20 == 2i))) - (x2_1 * select(sin_t, -sin_t, q_20 >= 2i));
  q_5 = (x2_1 * select(cos_t, -cos_t, (q_20 == 1i) || (q_20 == 2i))) + (x1_1 * select(sin_t, -sin_t, q_20 >= 2i));
  let quadrant_1: f32 = round((p * inv_freq[1u]) * 0.63661975f);
  let red_1: f32 = (((p * inv_freq[1u]) - (quadrant_1 * 1.5703125f)) - (quadrant_1 * 0.0004837513f)) - (quadrant_1 * 7.54979e-8f);
  let z_1: f32 = red_1 * red_1;
  let s_r_1: f32 = fma(red_1 * z_1, fma(z_1, fma(z_1, -0.00019515296f, 0.008332161f), -0.16666655f), red_1);
  let c_r_1: f32 = fma(z_1 * z_1, fma(z_1, fma(z_1, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fma(z_1, -0.5f, 1.0f));
  let q_21: i32 = i32(quadrant_1) & 3i;
  let sin_t_1: f32 = select(s_r_1, c_r_1, (q_21 & 1i) != 0i);
  let cos_t_1: f32 = select(c_r_1, s_r_1, (q_21 & 1i) != 0i);
  let x1_2: f32 = q_1;
  let x2_2: f32 = q_6;
  q_1 = (x1_2 * select(cos_t_1, -cos_t_1, (q_21 == 1i) || (q_21 == 2i))) - (x2_2 * select(sin_t_1, -sin_t_1, q_21 >= 2i));
  q_6 = (x2_2 * select(cos_t_1, -cos_t_1, (q_21 == 1i) || (q_21 == 2i))) + (x1_2 * select(sin_t_1, -sin_t_1, q_21 >= 2i));
  let quadrant_2: f32 = round((p * inv_freq[2u]) * 0.63661975f);
  let red_2: f32 = (((p * inv_freq[2u]) - (quadrant_2 * 1.5703125f)) - (quadrant_2 * 0.0004837513f)) - (quadrant_2 * 7.54979e-8f);
  let z_2: f32 = red_2 * red_2;
  let s_r_2: f32 = fma(red_2 * z_2, fma(z_2, fma(z_2, -0.00019515296f, 0.008332161f), -0.16666655f), red_2);
  let c_r_2: f32 = fma(z_2 * z_2, fma(z_2, fma(z_2, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fma(z_2, -0.5f, 1.0f));
  let q_22: i32 = i32(quadrant_2) & 3i;
  let sin_t_2: f32 = select(s_r_2, c_r_2, (q_22 & 1i) != 0i);
  let cos_t_2: f32 = select(c_r_2, s_r_2, (q_22 & 1i) != 0i);
  let x1_3: f32 = q_2;
  let x2_3: f32 = q_7;
  q_2 = (x1_3 * select(cos_t_2, -cos_t_2, (q_22 == 1i) || (q_22 == 2i))) - (x2_3 * select(sin_t_2, -sin_t_2, q_22 >= 2i));
  q_7 = (x2_3 * select(cos_t_2, -cos_t_2, (q_22 == 1i) || (q_22 == 2i))) + (x1_3 * select(sin_t_2, -sin_t_2, q_22 >= 2i));
  let quadrant_3: f32 = round((p * inv_freq[3u]) * 0.63661975f);
  let red_3: f32 = (((p * inv_freq[3u]) - (quadrant_3 * 1.5703125f)) - (quadrant_3 * 0.0004837513f)) - (quadrant_3 * 7.54979e-8f);
  let z_3: f32 = red_3 * red_3;
  let s_r_3: f32 = fma(red_3 * z_3, fma(z_3, fma(z_3, -0.00019515296f, 0.008332161f), -0.16666655f), red_3);
  let c_r_3: f32 = fma(z_3 * z_3, fma(z_3, fma(z_3, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fma(z_3, -0.5f, 1.0f));
  let q_23: i32 = i32(quadrant_3) & 3i;
  let sin_t_3: f32 = select(s_r_3, c_r_3, (q_23 & 1i) != 0i);
  let cos_t_3: f32 = select(c_r_3, s_r_3, (q_23 & 1i) != 0i);
  let x1_4: f32 = q_3;
  let x2_4: f32 = q_8;
  q_3 = (x1_4 * select(cos_t_3, -cos_t_3, (q_23 == 1i) || (q_23 == 2i))) - (x2_4 * select(sin_t_3, -sin_t_3, q_23 >= 2i));
  q_8 = (x2_4 * select(cos_t_3, -cos_t_3, (q_23 == 1i) || (q_23 == 2i))) + (x1_4 * select(sin_t_3, -sin_t_3, q_23 >= 2i));
  let quadrant_4: f32 = round((p * inv_freq[4u]) * 0.63661975f);
  let red_4: f32 = (((p * inv_freq[4u]) - (quadrant_4 * 1.5703125f)) - (quadrant_4 * 0.0004837513f)) - (quadrant_4 * 7.54979e-8f);
  let z_4: f32 = red_4 * red_4;
  let s_r_4: f32 = fma(red_4 * z_4, fma(z_4, fma(z_4, -0.00019515296f, 0.008332161f), -0.16666655f), red_4);
  let c_r_4: f32 = fma(z_4 * z_4, fma(z_4, fma(z_4, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fma(z_4, -0.5f, 1.0f));
  let q_24: i32 = i32(quadrant_4) & 3i;
  let sin_t_4: f32 = select(s_r_4, c_r_4, (q_24 & 1i) != 0i);
  let cos_t_4: f32 = select(c_r_4, s_r_4, (q_24 & 1i) != 0i);
  let x1_5: f32 = q_4;
  let x2_5: f32 = q_9;
  q_4 = (x1_5 * select(cos_t_4, -cos_t_4, (q_24 == 1i) || (q_24 == 2i))) - (x2_5 * select(sin_t_4, -sin_t_4, q_24 >= 2i));
  q_9 = (x2_5 * select(cos_t_4, -cos_t_4, (q_24 == 1i) || (q_24 == 2i))) + (x1_5 * select(sin_t_4, -sin_t_4, q_24 >= 2i));
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
  var word: u32 = 0u;
  for (var s: u32 = 0u; s < 3u; s += 1u) {
    let v_61: i32 = x4[(b * 9u) + (s * 3u)];
    let kind: i32 = v_61;
    let v_62: i32 = x4[((b * 9u) + (s * 3u)) + 1u];
    let v_63: i32 = x4[((b * 9u) + (s * 3u)) + 2u];
    let in: bool = (pos_q >= v_62) && (pos_q < v_63);
    word = word | select(0u, select(select(select(select(0u, 1u << (s + 3u), kind == 2i), 4u, kind == 4i), 2u, kind == 3i), 1u, kind == 1i), in);
  }
  let q_mask: u32 = word;
  var m: f32 = -1e+30f;
  var l: f32 = 0.0f;
  var acc: f32 = 0.0f;
  var acc_1: f32 = 0.0f;
  var acc_2: f32 = 0.0f;
  var acc_3: f32 = 0.0f;
  var acc_4: f32 = 0.0f;
  var acc_5: f32 = 0.0f;
  var acc_6: f32 = 0.0f;
  var acc_7: f32 = 0.0f;
  var acc_8: f32 = 0.0f;
  var acc_9: f32 = 0.0f;
  var acc_10: f32 = 0.0f;
  var acc_11: f32 = 0.0f;
  var acc_12: f32 = 0.0f;
  var acc_13: f32 = 0.0f;
  var acc_14: f32 = 0.0f;
  var acc_15: f32 = 0.0f;
  var acc_16: f32 = 0.0f;
  var acc_17: f32 = 0.0f;
  var acc_18: f32 = 0.0f;
  var acc_19: f32 = 0.0f;
  let v_64: i32 = x5[(b * 12u) + (qt * 6u)];
  let n_partial: u32 = u32(v_64);
  let v_65: i32 = x5[((b * 12u) + (qt * 6u)) + 3u];
  let n_full: u32 = u32(v_65);
  for (var e: u32 = 0u; e < (n_full + n_partial); e += 1u) {
    let partial: bool = e >= n_full;
    let v_66: i32 = x5[((b * 12u) + (qt * 6u)) + select(e + 4u, (e - n_full) + 1u, partial)];
    let kt: u32 = u32(v_66);
    let t0: u32 = kt * 32u;
    let k0: u32 = max(t0, 27u) - 27u;
    for (var c0: u32 = k0; c0 < min((t0 + 32u) - 27u, 37u); c0 += 32u) {
      let n: u32 = min(32u, min((t0 + 32u) - 27u, 37u) - c0);
      for (var r: u32 = t; r < n; r += 32u) {
        let j: u32 = c0 + r;
        let o: u32 = r * 20u;
        for (var d: u32 = 0u; d < params.head_dim; d += 1u) {
          let v_67: f32 = x6[(((b * 1480u) + (h * 740u)) + (j * 20u)) + d];
          k_tile[o + d] = v_67;
        }
        var mean_1: f32 = 0.0f;
        for (var d_1: u32 = 0u; d_1 < params.head_dim; d_1 += 1u) {
          mean_1 = mean_1 + k_tile[o + d_1];
        }
        mean_1 = mean_1 / 20.0f;
        var var_2: f32 = 0.0f;
        for (var d_2: u32 = 0u; d_2 < params.head_dim; d_2 += 1u) {
          let c_20: f32 = k_tile[o + d_2] - mean_1;
          var_2 = fma(c_20, c_20, var_2);
        }
        let rstd_1: f32 = inverseSqrt((var_2 / 20.0f) + 1e-5f);
        for (var d_3: u32 = 0u; d_3 < params.head_dim; d_3 += 1u) {
          let v_68: f32 = x7[d_3];
          let v_69: f32 = x8[d_3];
          k_tile[o + d_3] = fma((k_tile[o + d_3] - mean_1) * rstd_1, v_68, v_69);
        }
      }
      workgroupBarrier();
      for (var e_1: u32 = t; e_1 < (n * params.rotary_half); e_1 += 32u) {
        let r_1: u32 = e_1 / params.rotary_half;
        let pair: u32 = e_1 % params.rotary_half;
        let v_70: i32 = x3[c0 + r_1];
        let quadrant_5: f32 = round((f32(v_70) * inv_freq[pair]) * 0.63661975f);
        let red_5: f32 = (((f32(v_70) * inv_freq[pair]) - (quadrant_5 * 1.5703125f)) - (quadrant_5 * 0.0004837513f)) - (quadrant_5 * 7.54979e-8f);
        let z_5: f32 = red_5 * red_5;
        let s_r_5: f32 = fma(red_5 * z_5, fma(z_5, fma(z_5, -0.00019515296f, 0.008332161f), -0.16666655f), red_5);
        let c_r_5: f32 = fma(z_5 * z_5, fma(z_5, fma(z_5, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fma(z_5, -0.5f, 1.0f));
        let q_25: i32 = i32(quadrant_5) & 3i;
        let sin_t_5: f32 = select(s_r_5, c_r_5, (q_25 & 1i) != 0i);
        let cos_t_5: f32 = select(c_r_5, s_r_5, (q_25 & 1i) != 0i);
        let cs: f32 = select(cos_t_5, -cos_t_5, (q_25 == 1i) || (q_25 == 2i));
        let sn: f32 = select(sin_t_5, -sin_t_5, q_25 >= 2i);
        let i1: u32 = (r_1 * 20u) + pair;
        let i2: u32 = (r_1 * 20u) + (pair + 5u);
        let x1_6: f32 = k_tile[i1];
        let x2_6: f32 = k_tile[i2];
        k_tile[i1] = (x1_6 * cs) - (x2_6 * sn);
        k_tile[i2] = (x2_6 * cs) + (x1_6 * sn);
      }
      for (var e_2: u32 = t; e_2 < (n * 20u); e_2 += 32u) {
        let v_71: f32 = x9[(((b * 1480u) + (h * 740u)) + ((c0 + (e_2 / 20u)) * 20u)) + (e_2 % 20u)];
        v_tile[e_2] = v_71;
      }
      if (partial) {
        for (var r_2: u32 = t; r_2 < n; r_2 += 32u) {
          var word_1: u32 = 0u;
          for (var s_1: u32 = 0u; s_1 < 3u; s_1 += 1u) {
            let v_72: i32 = x4[(b * 9u) + (s_1 * 3u)];
            let kind_1: i32 = v_72;
            let v_73: i32 = x4[((b * 9u) + (s_1 * 3u)) + 1u];
            let v_74: i32 = x4[((b * 9u) + (s_1 * 3u)) + 2u];
            let in_1: bool = (i32(c0 + r_2) >= v_73) && (i32(c0 + r_2) < v_74);
            word_1 = word_1 | select(0u, select(select(select(select(0u, 1u << (s_1 + 3u), kind_1 == 2i), 4u, kind_1 == 4i), 2u, kind_1 == 3i), 1u, kind_1 == 1i), in_1);
          }
          k_mask[r_2] = word_1;
        }
      }
      workgroupBarrier();
      let so: u32 = t * 32u;
      var mx: f32 = -1e+30f;
      if (partial) {
        for (var jj: u32 = 0u; jj < n; jj += 1u) {
          let ko: u32 = jj * 20u;
          var dot: f32 = 0.0f;
          dot = fma(q, k_tile[ko + 0u], dot);
          dot = fma(q_1, k_tile[ko + 1u], dot);
          dot = fma(q_2, k_tile[ko + 2u], dot);
          dot = fma(q_3, k_tile[ko + 3u], dot);
          dot = fma(q_4, k_tile[ko + 4u], dot);
          dot = fma(q_5, k_tile[ko + 5u], dot);
          dot = fma(q_6, k_tile[ko + 6u], dot);
          dot = fma(q_7, k_tile[ko + 7u], dot);
          dot = fma(q_8, k_tile[ko + 8u], dot);
          dot = fma(q_9, k_tile[ko + 9u], dot);
          dot = fma(q_10, k_tile[ko + 10u], dot);
          dot = fma(q_11, k_tile[ko + 11u], dot);
          dot = fma(q_12, k_tile[ko + 12u], dot);
          dot = fma(q_13, k_tile[ko + 13u], dot);
          dot = fma(q_14, k_tile[ko + 14u], dot);
          dot = fma(q_15, k_tile[ko + 15u], dot);
          dot = fma(q_16, k_tile[ko + 16u], dot);
          dot = fma(q_17, k_tile[ko + 17u], dot);
          dot = fma(q_18, k_tile[ko + 18u], dot);
          dot = fma(q_19, k_tile[ko + 19u], dot);
          let ok: bool = (!((((q_mask & 4u) != 0u) || ((k_mask[jj] & 4u) != 0u)) || (((k_mask[jj] & 1u) != 0u) && (!((q_mask & 1u) != 0u))))) && (((i32(c0 + jj) <= pos_q) || (((k_mask[jj] >> 3u) & (q_mask >> 3u)) != 0u)) || ((k_mask[jj] & 2u) != 0u));
          let s_2: f32 = select(-1e+30f, dot, ok);
          scores[so + jj] = s_2;
          mx = max(mx, s_2);
        }
      } else {
        for (var jj_1: u32 = 0u; jj_1 < n; jj_1 += 1u) {
          let ko_1: u32 = jj_1 * 20u;
          var dot_1: f32 = 0.0f;
          dot_1 = fma(q, k_tile[ko_1 + 0u], dot_1);
          dot_1 = fma(q_1, k_tile[ko_1 + 1u], dot_1);
          dot_1 = fma(q_2, k_tile[ko_1 + 2u], dot_1);
          dot_1 = fma(q_3, k_tile[ko_1 + 3u], dot_1);
          dot_1 = fma(q_4, k_tile[ko_1 + 4u], dot_1);
          dot_1 = fma(q_5, k_tile[ko_1 + 5u], dot_1);
          dot_1 = fma(q_6, k_tile[ko_1 + 6u], dot_1);
          dot_1 = fma(q_7, k_tile[ko_1 + 7u], dot_1);
          dot_1 = fma(q_8, k_tile[ko_1 + 8u], dot_1);
          dot_1 = fma(q_9, k_tile[ko_1 + 9u], dot_1);
          dot_1 = fma(q_10, k_tile[ko_1 + 10u], dot_1);
          dot_1 = fma(q_11, k_tile[ko_1 + 11u], dot_1);
          dot_1 = fma(q_12, k_tile[ko_1 + 12u], dot_1);
          dot_1 = fma(q_13, k_tile[ko_1 + 13u], dot_1);
          dot_1 = fma(q_14, k_tile[ko_1 + 14u], dot_1);
          dot_1 = fma(q_15, k_tile[ko_1 + 15u], dot_1);
          dot_1 = fma(q_16, k_tile[ko_1 + 16u], dot_1);
          dot_1 = fma(q_17, k_tile[ko_1 + 17u], dot_1);
          dot_1 = fma(q_18, k_tile[ko_1 + 18u], dot_1);
          dot_1 = fma(q_19, k_tile[ko_1 + 19u], dot_1);
          let s_3: f32 = dot_1;
          scores[so + jj_1] = s_3;
          mx = max(mx, s_3);
        }
      }
      let m_new: f32 = max(m, mx);
      let alpha: f32 = select(0.0f, exp(m - m_new), m > -5e+29f);
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
      for (var jj_2: u32 = 0u; jj_2 < n; jj_2 += 1u) {
        let s_4: f32 = scores[so + jj_2];
        let p_1: f32 = select(exp(s_4 - m_new), 0.0f, s_4 <= -5e+29f);
        l = l + p_1;
        let vo: u32 = jj_2 * 20u;
        acc = fma(p_1, v_tile[vo + 0u], acc);
        acc_1 = fma(p_1, v_tile[vo + 1u], acc_1);
        acc_2 = fma(p_1, v_tile[vo + 2u], acc_2);
        acc_3 = fma(p_1, v_tile[vo + 3u], acc_3);
        acc_4 = fma(p_1, v_tile[vo + 4u], acc_4);
        acc_5 = fma(p_1, v_tile[vo + 5u], acc_5);
        acc_6 = fma(p_1, v_tile[vo + 6u], acc_6);
        acc_7 = fma(p_1, v_tile[vo + 7u], acc_7);
        acc_8 = fma(p_1, v_tile[vo + 8u], acc_8);
        acc_9 = fma(p_1, v_tile[vo + 9u], acc_9);
        acc_10 = fma(p_1, v_tile[vo + 10u], acc_10);
        acc_11 = fma(p_1, v_tile[vo + 11u], acc_11);
        acc_12 = fma(p_1, v_tile[vo + 12u], acc_12);
        acc_13 = fma(p_1, v_tile[vo + 13u], acc_13);
        acc_14 = fma(p_1, v_tile[vo + 14u], acc_14);
        acc_15 = fma(p_1, v_tile[vo + 15u], acc_15);
        acc_16 = fma(p_1, v_tile[vo + 16u], acc_16);
        acc_17 = fma(p_1, v_tile[vo + 17u], acc_17);
        acc_18 = fma(p_1, v_tile[vo + 18u], acc_18);
        acc_19 = fma(p_1, v_tile[vo + 19u], acc_19);
      }
      m = m_new;
      workgroupBarrier();
    }
  }
  let empty: bool = l == 0.0f;
  let inv_l: f32 = select(1.0f / l, 0.0f, empty);
  if (live) {
    let o_1: u32 = ((((b * 2u) + h) * 37u) + i) * 20u;
    y10[o_1 + 0u] = select(acc * inv_l, 0.0f, empty);
    y10[o_1 + 1u] = select(acc_1 * inv_l, 0.0f, empty);
    y10[o_1 + 2u] = select(acc_2 * inv_l, 0.0f, empty);
    y10[o_1 + 3u] = select(acc_3 * inv_l, 0.0f, empty);
    y10[o_1 + 4u] = select(acc_4 * inv_l, 0.0f, empty);
    y10[o_1 + 5u] = select(acc_5 * inv_l, 0.0f, empty);
    y10[o_1 + 6u] = select(acc_6 * inv_l, 0.0f, empty);
    y10[o_1 + 7u] = select(acc_7 * inv_l, 0.0f, empty);
    y10[o_1 + 8u] = select(acc_8 * inv_l, 0.0f, empty);
    y10[o_1 + 9u] = select(acc_9 * inv_l, 0.0f, empty);
    y10[o_1 + 10u] = select(acc_10 * inv_l, 0.0f, empty);
    y10[o_1 + 11u] = select(acc_11 * inv_l, 0.0f, empty);
    y10[o_1 + 12u] = select(acc_12 * inv_l, 0.0f, empty);
    y10[o_1 + 13u] = select(acc_13 * inv_l, 0.0f, empty);
    y10[o_1 + 14u] = select(acc_14 * inv_l, 0.0f, empty);
    y10[o_1 + 15u] = select(acc_15 * inv_l, 0.0f, empty);
    y10[o_1 + 16u] = select(acc_16 * inv_l, 0.0f, empty);
    y10[o_1 + 17u] = select(acc_17 * inv_l, 0.0f, empty);
    y10[o_1 + 18u] = select(acc_18 * inv_l, 0.0f, empty);
    y10[o_1 + 19u] = select(acc_19 * inv_l, 0.0f, empty);
  }
}
