// ---- launch 1 of 2, grid [1]
// label: block_lists i32[1, 3, 8]
// params: {}
// kernel block_lists
// block_lists: segments [1, 3, 3] → i32[1, 3, 8]
// per query tile the key tiles (16×16 tiles of 37×37, key tiles from 5 keys in, causal): [nP, partial…, nF, full…]

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
  if (idx >= 3u) {
    return;
  }
  let b: u32 = idx / 3u;
  let o: u32 = idx % 3u;
  let base: u32 = idx * 8u;
  var n_partial: u32 = 0u;
  var n_full: u32 = 0u;
  for (var x: u32 = 0u; x < 3u; x += 1u) {
    let r0: i32 = i32(o * 16u) + 0i;
    let r1: i32 = i32(min((o * 16u) + 16u, 37u)) + 0i;
    let c0: i32 = i32(max(x * 16u, 11u) - 11u);
    let c1: i32 = i32(min(((x * 16u) + 16u) - 11u, 37u));
    var all: bool = true;
    var none: bool = true;
    var ra: i32 = r0;
    while (ra < r1) {
      var cut: i32 = r1;
      for (var s: u32 = 0u; s < 3u; s += 1u) {
        let v: i32 = x1[s * 3u];
        let used: bool = v != 0i;
        let v_1: i32 = x1[(s * 3u) + 1u];
        cut = select(cut, v_1, used && ((v_1 > ra) && (v_1 < cut)));
        let v_2: i32 = x1[(s * 3u) + 2u];
        cut = select(cut, v_2, used && ((v_2 > ra) && (v_2 < cut)));
      }
      let next: i32 = cut;
      var pad_i: bool = false;
      var dead_i: bool = false;
      for (var s_1: u32 = 0u; s_1 < 3u; s_1 += 1u) {
        let v_3: i32 = x1[s_1 * 3u];
        let kind: i32 = v_3;
        let v_4: i32 = x1[(s_1 * 3u) + 1u];
        let v_5: i32 = x1[(s_1 * 3u) + 2u];
        let in_i: bool = (ra >= v_4) && (ra < v_5);
        pad_i = pad_i || ((kind == 1i) && in_i);
        dead_i = dead_i || ((kind == 4i) && in_i);
      }
      var ca: i32 = c0;
      while (ca < c1) {
        var cut_1: i32 = c1;
        for (var s_2: u32 = 0u; s_2 < 3u; s_2 += 1u) {
          let v_6: i32 = x1[s_2 * 3u];
          let used_1: bool = v_6 != 0i;
          let v_7: i32 = x1[(s_2 * 3u) + 1u];
          cut_1 = select(cut_1, v_7, used_1 && ((v_7 > ca) && (v_7 < cut_1)));
          let v_8: i32 = x1[(s_2 * 3u) + 2u];
          cut_1 = select(cut_1, v_8, used_1 && ((v_8 > ca) && (v_8 < cut_1)));
        }
        let next_1: i32 = cut_1;
        var pad_j: bool = false;
        var dead_j: bool = false;
        var glob: bool = false;
        var span: bool = false;
        for (var s_3: u32 = 0u; s_3 < 3u; s_3 += 1u) {
          let v_9: i32 = x1[s_3 * 3u];
          let kind_1: i32 = v_9;
          let v_10: i32 = x1[(s_3 * 3u) + 1u];
          let v_11: i32 = x1[(s_3 * 3u) + 2u];
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
      y0[base + (n_full + 5u)] = i32(x);
      n_full = n_full + 1u;
    } else {
      if (!none) {
        y0[base + (n_partial + 1u)] = i32(x);
        n_partial = n_partial + 1u;
      }
    }
  }
  y0[base] = i32(n_partial);
  y0[base + 4u] = i32(n_full);
  for (var e: u32 = n_partial; e < 3u; e += 1u) {
    y0[base + (e + 1u)] = 0i;
  }
  for (var e_1: u32 = n_full; e_1 < 3u; e_1 += 1u) {
    y0[base + (e_1 + 5u)] = 0i;
  }
}

// ---- launch 2 of 2, grid [6]
// label: attention_qknorm f32[1, 2, 37, 97] (flash 16×16; full and partial lists of 16×16 tiles)
// params: {"head_dim":96,"head_dim_v":96,"rotary_half":10}
// kernel attention_qknorm_flash
// attention_qknorm: q [1, 2, 37, 96], k [1, 2, 37, 96], v [1, 2, 37, 96] → out [1, 2, 37, 96]
// flash (online softmax); one workgroup of 16 per (b, h, query tile); keys in chunks of 16; full and partial lists of 16×16 tiles
// prologue: per-head LayerNorm (eps 0.00001) and rotary (dim 20, base 10000) of q and k tiles

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

var<workgroup> k_tile: array<f32, 1536>;
var<workgroup> v_tile: array<f32, 1536>;
var<workgroup> k_mask: array<u32, 16>;
var<workgroup> scores: array<f32, 256>;
var<workgroup> inv_freq: array<f32, 10>;

@compute @workgroup_size(16, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let t: u32 = lid.x;
  let wg: u32 = wg_linear;
  let qt: u32 = wg % 3u;
  let h: u32 = (wg / 3u) % 2u;
  let b: u32 = wg / 6u;
  let i: u32 = (qt * 16u) + t;
  let live: bool = i < 37u;
  let iq: u32 = min(i, 36u);
  let pos_q: i32 = i32(iq) + 0i;
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
  workgroupBarrier();
  var q: array<f32, 96>;
  for (var d: u32 = 0u; d < params.head_dim; d += 1u) {
    let v: f32 = x0[((h * 3552u) + (iq * 96u)) + d];
    q[d] = v;
  }
  var mean: f32 = 0.0f;
  for (var d_1: u32 = 0u; d_1 < params.head_dim; d_1 += 1u) {
    mean = mean + q[d_1];
  }
  mean = mean / 96.0f;
  var var_1: f32 = 0.0f;
  for (var d_2: u32 = 0u; d_2 < params.head_dim; d_2 += 1u) {
    let c: f32 = q[d_2] - mean;
    var_1 = fma(c, c, var_1);
  }
  let rstd: f32 = inverseSqrt((var_1 / 96.0f) + 1e-5f);
  for (var d_3: u32 = 0u; d_3 < params.head_dim; d_3 += 1u) {
    let v_1: f32 = x1[d_3];
    let v_2: f32 = x2[d_3];
    q[d_3] = fma((q[d_3] - mean) * rstd, v_1, v_2);
  }
  let v_3: i32 = x3[iq];
  let p: f32 = f32(v_3);
  for (var r: u32 = 0u; r < params.rotary_half; r += 1u) {
    let quadrant: f32 = round((p * inv_freq[r]) * 0.63661975f);
    let red: f32 = (((p * inv_freq[r]) - (quadrant * 1.5703125f)) - (quadrant * 0.0004837513f)) - (quadrant * 7.54979e-8f);
    let z: f32 = red * red;
    let s_r: f32 = fma(red * z, fma(z, fma(z, -0.00019515296f, 0.008332161f), -0.16666655f), red);
    let c_r: f32 = fma(z * z, fma(z, fma(z, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fma(z, -0.5f, 1.0f));
    let q_1: i32 = i32(quadrant) & 3i;
    let sin_t: f32 = select(s_r, c_r, (q_1 & 1i) != 0i);
    let cos_t: f32 = select(c_r, s_r, (q_1 & 1i) != 0i);
    let x1_1: f32 = q[r];
    let x2_1: f32 = q[r + 10u];
    q[r] = (x1_1 * select(cos_t, -cos_t, (q_1 == 1i) || (q_1 == 2i))) - (x2_1 * select(sin_t, -sin_t, q_1 >= 2i));
    q[r + 10u] = (x2_1 * select(cos_t, -cos_t, (q_1 == 1i) || (q_1 == 2i))) + (x1_1 * select(sin_t, -sin_t, q_1 >= 2i));
  }
  for (var d_4: u32 = 0u; d_4 < params.head_dim; d_4 += 1u) {
    q[d_4] = q[d_4] * 0.10206208f;
  }
  var word: u32 = 0u;
  for (var s: u32 = 0u; s < 3u; s += 1u) {
    let v_4: i32 = x4[s * 3u];
    let kind: i32 = v_4;
    let v_5: i32 = x4[(s * 3u) + 1u];
    let v_6: i32 = x4[(s * 3u) + 2u];
    let in: bool = (pos_q >= v_5) && (pos_q < v_6);
    word = word | select(0u, select(select(select(select(0u, 1u << (s + 3u), kind == 2i), 4u, kind == 4i), 2u, kind == 3i), 1u, kind == 1i), in);
  }
  let q_mask: u32 = word;
  var m: f32 = -1e+30f;
  var l: f32 = 0.0f;
  var acc: array<f32, 96>;
  let v_7: i32 = x5[qt * 8u];
  let n_partial: u32 = u32(v_7);
  let v_8: i32 = x5[(qt * 8u) + 4u];
  let n_full: u32 = u32(v_8);
  for (var e: u32 = 0u; e < (n_full + n_partial); e += 1u) {
    let partial: bool = e >= n_full;
    let v_9: i32 = x5[(qt * 8u) + select(e + 5u, (e - n_full) + 1u, partial)];
    let kt: u32 = u32(v_9);
    let t0: u32 = kt * 16u;
    let k0: u32 = max(t0, 11u) - 11u;
    for (var c0: u32 = k0; c0 < min((t0 + 16u) - 11u, 37u); c0 += 16u) {
      let n: u32 = min(16u, min((t0 + 16u) - 11u, 37u) - c0);
      for (var r_1: u32 = t; r_1 < n; r_1 += 16u) {
        let j: u32 = c0 + r_1;
        let o: u32 = r_1 * 96u;
        for (var d_5: u32 = 0u; d_5 < params.head_dim; d_5 += 1u) {
          let v_10: f32 = x6[((h * 3552u) + (j * 96u)) + d_5];
          k_tile[o + d_5] = v_10;
        }
        var mean_1: f32 = 0.0f;
        for (var d_6: u32 = 0u; d_6 < params.head_dim; d_6 += 1u) {
          mean_1 = mean_1 + k_tile[o + d_6];
        }
        mean_1 = mean_1 / 96.0f;
        var var_2: f32 = 0.0f;
        for (var d_7: u32 = 0u; d_7 < params.head_dim; d_7 += 1u) {
          let c_1: f32 = k_tile[o + d_7] - mean_1;
          var_2 = fma(c_1, c_1, var_2);
        }
        let rstd_1: f32 = inverseSqrt((var_2 / 96.0f) + 1e-5f);
        for (var d_8: u32 = 0u; d_8 < params.head_dim; d_8 += 1u) {
          let v_11: f32 = x7[d_8];
          let v_12: f32 = x8[d_8];
          k_tile[o + d_8] = fma((k_tile[o + d_8] - mean_1) * rstd_1, v_11, v_12);
        }
      }
      workgroupBarrier();
      for (var e_1: u32 = t; e_1 < (n * params.rotary_half); e_1 += 16u) {
        let r_2: u32 = e_1 / params.rotary_half;
        let pair: u32 = e_1 % params.rotary_half;
        let v_13: i32 = x3[c0 + r_2];
        let quadrant_1: f32 = round((f32(v_13) * inv_freq[pair]) * 0.63661975f);
        let red_1: f32 = (((f32(v_13) * inv_freq[pair]) - (quadrant_1 * 1.5703125f)) - (quadrant_1 * 0.0004837513f)) - (quadrant_1 * 7.54979e-8f);
        let z_1: f32 = red_1 * red_1;
        let s_r_1: f32 = fma(red_1 * z_1, fma(z_1, fma(z_1, -0.00019515296f, 0.008332161f), -0.16666655f), red_1);
        let c_r_1: f32 = fma(z_1 * z_1, fma(z_1, fma(z_1, 2.4433157e-5f, -0.0013887316f), 0.041666646f), fma(z_1, -0.5f, 1.0f));
        let q_2: i32 = i32(quadrant_1) & 3i;
        let sin_t_1: f32 = select(s_r_1, c_r_1, (q_2 & 1i) != 0i);
        let cos_t_1: f32 = select(c_r_1, s_r_1, (q_2 & 1i) != 0i);
        let cs: f32 = select(cos_t_1, -cos_t_1, (q_2 == 1i) || (q_2 == 2i));
        let sn: f32 = select(sin_t_1, -sin_t_1, q_2 >= 2i);
        let i1: u32 = (r_2 * 96u) + pair;
        let i2: u32 = (r_2 * 96u) + (pair + 10u);
        let x1_2: f32 = k_tile[i1];
        let x2_2: f32 = k_tile[i2];
        k_tile[i1] = (x1_2 * cs) - (x2_2 * sn);
        k_tile[i2] = (x2_2 * cs) + (x1_2 * sn);
      }
      for (var e_2: u32 = t; e_2 < (n * 96u); e_2 += 16u) {
        let v_14: f32 = x9[((h * 3552u) + ((c0 + (e_2 / 96u)) * 96u)) + (e_2 % 96u)];
        v_tile[e_2] = v_14;
      }
      if (partial) {
        for (var r_3: u32 = t; r_3 < n; r_3 += 16u) {
          var word_1: u32 = 0u;
          for (var s_1: u32 = 0u; s_1 < 3u; s_1 += 1u) {
            let v_15: i32 = x4[s_1 * 3u];
            let kind_1: i32 = v_15;
            let v_16: i32 = x4[(s_1 * 3u) + 1u];
            let v_17: i32 = x4[(s_1 * 3u) + 2u];
            let in_1: bool = (i32(c0 + r_3) >= v_16) && (i32(c0 + r_3) < v_17);
            word_1 = word_1 | select(0u, select(select(select(select(0u, 1u << (s_1 + 3u), kind_1 == 2i), 4u, kind_1 == 4i), 2u, kind_1 == 3i), 1u, kind_1 == 1i), in_1);
          }
          k_mask[r_3] = word_1;
        }
      }
      workgroupBarrier();
      let so: u32 = t * 16u;
      var mx: f32 = -1e+30f;
      if (partial) {
        for (var jj: u32 = 0u; jj < n; jj += 1u) {
          let ko: u32 = jj * 96u;
          var dot: f32 = 0.0f;
          for (var d_9: u32 = 0u; d_9 < params.head_dim; d_9 += 1u) {
            dot = fma(q[d_9], k_tile[ko + d_9], dot);
          }
          let ok: bool = (!((((q_mask & 4u) != 0u) || ((k_mask[jj] & 4u) != 0u)) || (((k_mask[jj] & 1u) != 0u) && (!((q_mask & 1u) != 0u))))) && (((i32(c0 + jj) <= pos_q) || (((k_mask[jj] >> 3u) & (q_mask >> 3u)) != 0u)) || ((k_mask[jj] & 2u) != 0u));
          let s_2: f32 = select(-1e+30f, dot, ok);
          scores[so + jj] = s_2;
          mx = max(mx, s_2);
        }
      } else {
        for (var jj_1: u32 = 0u; jj_1 < n; jj_1 += 1u) {
          let ko_1: u32 = jj_1 * 96u;
          var dot_1: f32 = 0.0f;
          for (var d_10: u32 = 0u; d_10 < params.head_dim; d_10 += 1u) {
            dot_1 = fma(q[d_10], k_tile[ko_1 + d_10], dot_1);
          }
          let s_3: f32 = dot_1;
          scores[so + jj_1] = s_3;
          mx = max(mx, s_3);
        }
      }
      let m_new: f32 = max(m, mx);
      let alpha: f32 = select(0.0f, exp(m - m_new), m > -5e+29f);
      l = l * alpha;
      for (var d_11: u32 = 0u; d_11 < params.head_dim_v; d_11 += 1u) {
        acc[d_11] = acc[d_11] * alpha;
      }
      for (var jj_2: u32 = 0u; jj_2 < n; jj_2 += 1u) {
        let s_4: f32 = scores[so + jj_2];
        let p_1: f32 = select(exp(s_4 - m_new), 0.0f, s_4 <= -5e+29f);
        l = l + p_1;
        let vo: u32 = jj_2 * 96u;
        for (var d_12: u32 = 0u; d_12 < params.head_dim_v; d_12 += 1u) {
          acc[d_12] = fma(p_1, v_tile[vo + d_12], acc[d_12]);
        }
      }
      m = m_new;
      workgroupBarrier();
    }
  }
  let empty: bool = l == 0.0f;
  let inv_l: f32 = select(1.0f / l, 0.0f, empty);
  if (live) {
    let o_1: u32 = ((((b * 2u) + h) * 37u) + i) * 97u;
    for (var d_13: u32 = 0u; d_13 < params.head_dim_v; d_13 += 1u) {
      y10[o_1 + d_13] = select(acc[d_13] * inv_l, 0.0f, empty);
    }
    y10[o_1 + 96u] = select(m + log(l), -1e+30f, empty);
  }
}
