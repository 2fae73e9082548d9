// ---- launch 1 of 4, grid [1]
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

// ---- launch 2 of 4, grid [8]
// label: attention_grad_q f32[2, 2, 37, 64] (flash backward 32 rows; chunks of 16; every pair masked (no lists))
// params: {"head_dim":16,"head_dim_v":16}
// kernel attention_grad_q_flash
// attention_grad_q: q [2, 2, 37, 64], k [2, 2, 37, 64], v [2, 2, 37, 64], out+lse [2, 2, 37, 65], dO [2, 2, 37, 65] → dQ [2, 2, 37, 64]
// flash backward (P from the lse); one workgroup of 32 per (b, h, query tile); keys in chunks of 16; every pair masked (no lists)

struct Params {
  head_dim: u32,
  head_dim_v: u32,
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0: array<i32>;
@group(0) @binding(1) var<storage, read> x1: array<f32>;
@group(0) @binding(2) var<storage, read> x2: array<f32>;
@group(0) @binding(3) var<storage, read> x3: array<f32>;
@group(0) @binding(4) var<storage, read> x4: array<f32>;
@group(0) @binding(5) var<storage, read> x5: array<f32>;
@group(0) @binding(6) var<storage, read_write> y6: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

var<workgroup> q_rows: array<vec4<f32>, 544>;
var<workgroup> do_rows: array<vec4<f32>, 544>;
var<workgroup> k_tile: array<vec4<f32>, 256>;
var<workgroup> v_tile: array<vec4<f32>, 256>;
var<workgroup> k_word: array<u32, 16>;

@compute @workgroup_size(32, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let t: u32 = lid.x;
  let wg: u32 = wg_linear;
  let ot: u32 = wg % 2u;
  let h: u32 = (wg / 2u) % 2u;
  let b: u32 = wg / 4u;
  let r: u32 = (ot * 32u) + t;
  let live: bool = r < 37u;
  let rc: u32 = min(r, 36u);
  let pos_q: i32 = i32(rc) + 0i;
  var word: u32 = 0u;
  for (var s: u32 = 0u; s < 3u; s += 1u) {
    let v: i32 = x0[(b * 9u) + (s * 3u)];
    let kind: i32 = v;
    let v_1: i32 = x0[((b * 9u) + (s * 3u)) + 1u];
    let v_2: i32 = x0[((b * 9u) + (s * 3u)) + 2u];
    let in: bool = (pos_q >= v_1) && (pos_q < v_2);
    word = word | select(0u, select(select(select(select(0u, 1u << (s + 3u), kind == 2i), 4u, kind == 4i), 2u, kind == 3i), 1u, kind == 1i), in);
  }
  let q_word: u32 = word;
  let q_base: u32 = t * 17u;
  for (var d: u32 = 0u; d < params.head_dim; d += 1u) {
    let c0: u32 = d * 4u;
    let v_3: f32 = x1[(((b * 4736u) + (h * 2368u)) + (rc * 64u)) + c0];
    let v_4: f32 = x1[(((b * 4736u) + (h * 2368u)) + (rc * 64u)) + (c0 + 1u)];
    let v_5: f32 = x1[(((b * 4736u) + (h * 2368u)) + (rc * 64u)) + (c0 + 2u)];
    let v_6: f32 = x1[(((b * 4736u) + (h * 2368u)) + (rc * 64u)) + (c0 + 3u)];
    q_rows[q_base + d] = vec4<f32>(v_3, v_4, v_5, v_6);
  }
  let do_base: u32 = t * 17u;
  for (var d_1: u32 = 0u; d_1 < params.head_dim_v; d_1 += 1u) {
    let c0_1: u32 = d_1 * 4u;
    let v_7: f32 = x2[(((b * 4810u) + (h * 2405u)) + (rc * 65u)) + c0_1];
    let v_8: f32 = x2[(((b * 4810u) + (h * 2405u)) + (rc * 65u)) + (c0_1 + 1u)];
    let v_9: f32 = x2[(((b * 4810u) + (h * 2405u)) + (rc * 65u)) + (c0_1 + 2u)];
    let v_10: f32 = x2[(((b * 4810u) + (h * 2405u)) + (rc * 65u)) + (c0_1 + 3u)];
    do_rows[do_base + d_1] = vec4<f32>(v_7, v_8, v_9, v_10);
  }
  let v_11: f32 = x3[(((b * 4810u) + (h * 2405u)) + (rc * 65u)) + 64u];
  let lse: f32 = v_11;
  var delta: vec4<f32> = vec4<f32>(0.0f);
  for (var c: u32 = 0u; c < params.head_dim_v; c += 1u) {
    let c0_2: u32 = c * 4u;
    let v_12: f32 = x3[(((b * 4810u) + (h * 2405u)) + (rc * 65u)) + c0_2];
    let v_13: f32 = x3[(((b * 4810u) + (h * 2405u)) + (rc * 65u)) + (c0_2 + 1u)];
    let v_14: f32 = x3[(((b * 4810u) + (h * 2405u)) + (rc * 65u)) + (c0_2 + 2u)];
    let v_15: f32 = x3[(((b * 4810u) + (h * 2405u)) + (rc * 65u)) + (c0_2 + 3u)];
    delta = fma(do_rows[do_base + c], vec4<f32>(v_12, v_13, v_14, v_15), delta);
  }
  let v_16: f32 = x2[(((b * 4810u) + (h * 2405u)) + (rc * 65u)) + 64u];
  let delta_row: f32 = ((delta.x + delta.y) + (delta.z + delta.w)) - v_16;
  var dq: array<vec4<f32>, 16>;
  dq[0u] = vec4<f32>(0.0f);
  dq[1u] = vec4<f32>(0.0f);
  dq[2u] = vec4<f32>(0.0f);
  dq[3u] = vec4<f32>(0.0f);
  dq[4u] = vec4<f32>(0.0f);
  dq[5u] = vec4<f32>(0.0f);
  dq[6u] = vec4<f32>(0.0f);
  dq[7u] = vec4<f32>(0.0f);
  dq[8u] = vec4<f32>(0.0f);
  dq[9u] = vec4<f32>(0.0f);
  dq[10u] = vec4<f32>(0.0f);
  dq[11u] = vec4<f32>(0.0f);
  dq[12u] = vec4<f32>(0.0f);
  dq[13u] = vec4<f32>(0.0f);
  dq[14u] = vec4<f32>(0.0f);
  dq[15u] = vec4<f32>(0.0f);
  for (var c0_3: u32 = 0u; c0_3 < 37u; c0_3 += 16u) {
    let n: u32 = min(16u, 37u - c0_3);
    for (var e: u32 = t; e < (n * 16u); e += 32u) {
      let c0_4: u32 = (e % 16u) * 4u;
      let v_17: f32 = x4[(((b * 4736u) + (h * 2368u)) + ((c0_3 + (e / 16u)) * 64u)) + c0_4];
      let v_18: f32 = x4[(((b * 4736u) + (h * 2368u)) + ((c0_3 + (e / 16u)) * 64u)) + (c0_4 + 1u)];
      let v_19: f32 = x4[(((b * 4736u) + (h * 2368u)) + ((c0_3 + (e / 16u)) * 64u)) + (c0_4 + 2u)];
      let v_20: f32 = x4[(((b * 4736u) + (h * 2368u)) + ((c0_3 + (e / 16u)) * 64u)) + (c0_4 + 3u)];
      k_tile[e] = vec4<f32>(v_17, v_18, v_19, v_20);
    }
    for (var e_1: u32 = t; e_1 < (n * 16u); e_1 += 32u) {
      let c0_5: u32 = (e_1 % 16u) * 4u;
      let v_21: f32 = x5[(((b * 4736u) + (h * 2368u)) + ((c0_3 + (e_1 / 16u)) * 64u)) + c0_5];
      let v_22: f32 = x5[(((b * 4736u) + (h * 2368u)) + ((c0_3 + (e_1 / 16u)) * 64u)) + (c0_5 + 1u)];
      let v_23: f32 = x5[(((b * 4736u) + (h * 2368u)) + ((c0_3 + (e_1 / 16u)) * 64u)) + (c0_5 + 2u)];
      let v_24: f32 = x5[(((b * 4736u) + (h * 2368u)) + ((c0_3 + (e_1 / 16u)) * 64u)) + (c0_5 + 3u)];
      v_tile[e_1] = vec4<f32>(v_21, v_22, v_23, v_24);
    }
    for (var jj: u32 = t; jj < n; jj += 32u) {
      var word_1: u32 = 0u;
      for (var s_1: u32 = 0u; s_1 < 3u; s_1 += 1u) {
        let v_25: i32 = x0[(b * 9u) + (s_1 * 3u)];
        let kind_1: i32 = v_25;
        let v_26: i32 = x0[((b * 9u) + (s_1 * 3u)) + 1u];
        let v_27: i32 = x0[((b * 9u) + (s_1 * 3u)) + 2u];
        let in_1: bool = (i32(c0_3 + jj) >= v_26) && (i32(c0_3 + jj) < v_27);
        word_1 = word_1 | select(0u, select(select(select(select(0u, 1u << (s_1 + 3u), kind_1 == 2i), 4u, kind_1 == 4i), 2u, kind_1 == 3i), 1u, kind_1 == 1i), in_1);
      }
      k_word[jj] = word_1;
    }
    workgroupBarrier();
    for (var jj_1: u32 = 0u; jj_1 < n; jj_1 += 1u) {
      let ko: u32 = jj_1 * 16u;
      let vo: u32 = jj_1 * 16u;
      var dot: vec4<f32> = vec4<f32>(0.0f);
      for (var d_2: u32 = 0u; d_2 < params.head_dim; d_2 += 1u) {
        dot = fma(q_rows[q_base + d_2], k_tile[ko + d_2], dot);
      }
      let ok: bool = (!((((q_word & 4u) != 0u) || ((k_word[jj_1] & 4u) != 0u)) || (((k_word[jj_1] & 1u) != 0u) && (!((q_word & 1u) != 0u))))) && (((i32(c0_3 + jj_1) <= pos_q) || (((k_word[jj_1] >> 3u) & (q_word >> 3u)) != 0u)) || ((k_word[jj_1] & 2u) != 0u));
      let p: f32 = select(0.0f, exp((((dot.x + dot.y) + (dot.z + dot.w)) * 0.125f) - lse), ok);
      var dp: vec4<f32> = vec4<f32>(0.0f);
      for (var c_1: u32 = 0u; c_1 < params.head_dim_v; c_1 += 1u) {
        dp = fma(do_rows[do_base + c_1], v_tile[vo + c_1], dp);
      }
      let ds: vec4<f32> = vec4<f32>(p * (((dp.x + dp.y) + (dp.z + dp.w)) - delta_row));
      for (var d_3: u32 = 0u; d_3 < params.head_dim; d_3 += 1u) {
        dq[d_3] = fma(ds, k_tile[ko + d_3], dq[d_3]);
      }
    }
    workgroupBarrier();
  }
  if (live) {
    let o: u32 = ((((b * 2u) + h) * 37u) + r) * 64u;
    for (var d_4: u32 = 0u; d_4 < params.head_dim; d_4 += 1u) {
      y6[o + ((d_4 * 4u) + 0u)] = (dq[d_4] * vec4<f32>(0.125f)).x;
      y6[o + ((d_4 * 4u) + 1u)] = (dq[d_4] * vec4<f32>(0.125f)).y;
      y6[o + ((d_4 * 4u) + 2u)] = (dq[d_4] * vec4<f32>(0.125f)).z;
      y6[o + ((d_4 * 4u) + 3u)] = (dq[d_4] * vec4<f32>(0.125f)).w;
    }
  }
}

// ---- launch 3 of 4, grid [1]
// label: block_lists i32[2, 2, 6] (transposed)
// params: {}
// kernel block_lists
// block_lists: segments [2, 3, 3] → i32[2, 2, 6]
// per key tile the query tiles (32×32 tiles of 37×37, causal): [nP, partial…, nF, full…]

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
    let r0: i32 = i32(x * 32u) + 0i;
    let r1: i32 = i32(min((x * 32u) + 32u, 37u)) + 0i;
    let c0: i32 = i32(max(o * 32u, 0u) - 0u);
    let c1: i32 = i32(min(((o * 32u) + 32u) - 0u, 37u));
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

// ---- launch 4 of 4, grid [8]
// label: attention_grad_kv f32[2, 2, 37, 128] (flash backward 32 rows; chunks of 16; every pair masked (no lists))
// params: {"head_dim":16,"head_dim_v":16}
// kernel attention_grad_kv_flash
// attention_grad_kv: q [2, 2, 37, 64], k [2, 2, 37, 64], v [2, 2, 37, 64], out+lse [2, 2, 37, 65], dO [2, 2, 37, 65] → dK|dV [2, 2, 37, 128]
// flash backward (P from the lse); one workgroup of 32 per (b, h, key tile); queries in chunks of 16; every pair masked (no lists)

struct Params {
  head_dim: u32,
  head_dim_v: u32,
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0: array<i32>;
@group(0) @binding(1) var<storage, read> x1: array<f32>;
@group(0) @binding(2) var<storage, read> x2: array<f32>;
@group(0) @binding(3) var<storage, read> x3: array<f32>;
@group(0) @binding(4) var<storage, read> x4: array<f32>;
@group(0) @binding(5) var<storage, read> x5: array<f32>;
@group(0) @binding(6) var<storage, read_write> y6: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

var<workgroup> k_rows: array<vec4<f32>, 544>;
var<workgroup> v_rows: array<vec4<f32>, 544>;
var<workgroup> q_tile: array<vec4<f32>, 256>;
var<workgroup> do_tile: array<vec4<f32>, 256>;
var<workgroup> lse_tile: array<f32, 16>;
var<workgroup> delta_tile: array<f32, 16>;
var<workgroup> q_word: array<u32, 16>;

@compute @workgroup_size(32, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let t: u32 = lid.x;
  let wg: u32 = wg_linear;
  let ot: u32 = wg % 2u;
  let h: u32 = (wg / 2u) % 2u;
  let b: u32 = wg / 4u;
  let r: u32 = (ot * 32u) + t;
  let live: bool = r < 37u;
  let rc: u32 = min(r, 36u);
  let pos_k: i32 = i32(rc);
  var word: u32 = 0u;
  for (var s: u32 = 0u; s < 3u; s += 1u) {
    let v: i32 = x0[(b * 9u) + (s * 3u)];
    let kind: i32 = v;
    let v_1: i32 = x0[((b * 9u) + (s * 3u)) + 1u];
    let v_2: i32 = x0[((b * 9u) + (s * 3u)) + 2u];
    let in: bool = (pos_k >= v_1) && (pos_k < v_2);
    word = word | select(0u, select(select(select(select(0u, 1u << (s + 3u), kind == 2i), 4u, kind == 4i), 2u, kind == 3i), 1u, kind == 1i), in);
  }
  let k_word: u32 = word;
  let k_base: u32 = t * 17u;
  let v_base: u32 = t * 17u;
  for (var d: u32 = 0u; d < params.head_dim; d += 1u) {
    let c0: u32 = d * 4u;
    let v_3: f32 = x1[(((b * 4736u) + (h * 2368u)) + (rc * 64u)) + c0];
    let v_4: f32 = x1[(((b * 4736u) + (h * 2368u)) + (rc * 64u)) + (c0 + 1u)];
    let v_5: f32 = x1[(((b * 4736u) + (h * 2368u)) + (rc * 64u)) + (c0 + 2u)];
    let v_6: f32 = x1[(((b * 4736u) + (h * 2368u)) + (rc * 64u)) + (c0 + 3u)];
    k_rows[k_base + d] = vec4<f32>(v_3, v_4, v_5, v_6);
  }
  for (var d_1: u32 = 0u; d_1 < params.head_dim_v; d_1 += 1u) {
    let c0_1: u32 = d_1 * 4u;
    let v_7: f32 = x2[(((b * 4736u) + (h * 2368u)) + (rc * 64u)) + c0_1];
    let v_8: f32 = x2[(((b * 4736u) + (h * 2368u)) + (rc * 64u)) + (c0_1 + 1u)];
    let v_9: f32 = x2[(((b * 4736u) + (h * 2368u)) + (rc * 64u)) + (c0_1 + 2u)];
    let v_10: f32 = x2[(((b * 4736u) + (h * 2368u)) + (rc * 64u)) + (c0_1 + 3u)];
    v_rows[v_base + d_1] = vec4<f32>(v_7, v_8, v_9, v_10);
  }
  var dk: array<vec4<f32>, 16>;
  dk[0u] = vec4<f32>(0.0f);
  dk[1u] = vec4<f32>(0.0f);
  dk[2u] = vec4<f32>(0.0f);
  dk[3u] = vec4<f32>(0.0f);
  dk[4u] = vec4<f32>(0.0f);
  dk[5u] = vec4<f32>(0.0f);
  dk[6u] = vec4<f32>(0.0f);
  dk[7u] = vec4<f32>(0.0f);
  dk[8u] = vec4<f32>(0.0f);
  dk[9u] = vec4<f32>(0.0f);
  dk[10u] = vec4<f32>(0.0f);
  dk[11u] = vec4<f32>(0.0f);
  dk[12u] = vec4<f32>(0.0f);
  dk[13u] = vec4<f32>(0.0f);
  dk[14u] = vec4<f32>(0.0f);
  dk[15u] = vec4<f32>(0.0f);
  var dv: array<vec4<f32>, 16>;
  dv[0u] = vec4<f32>(0.0f);
  dv[1u] = vec4<f32>(0.0f);
  dv[2u] = vec4<f32>(0.0f);
  dv[3u] = vec4<f32>(0.0f);
  dv[4u] = vec4<f32>(0.0f);
  dv[5u] = vec4<f32>(0.0f);
  dv[6u] = vec4<f32>(0.0f);
  dv[7u] = vec4<f32>(0.0f);
  dv[8u] = vec4<f32>(0.0f);
  dv[9u] = vec4<f32>(0.0f);
  dv[10u] = vec4<f32>(0.0f);
  dv[11u] = vec4<f32>(0.0f);
  dv[12u] = vec4<f32>(0.0f);
  dv[13u] = vec4<f32>(0.0f);
  dv[14u] = vec4<f32>(0.0f);
  dv[15u] = vec4<f32>(0.0f);
  for (var c0_2: u32 = 0u; c0_2 < 37u; c0_2 += 16u) {
    let n: u32 = min(16u, 37u - c0_2);
    for (var e: u32 = t; e < (n * 16u); e += 32u) {
      let c0_3: u32 = (e % 16u) * 4u;
      let v_11: f32 = x3[(((b * 4736u) + (h * 2368u)) + ((c0_2 + (e / 16u)) * 64u)) + c0_3];
      let v_12: f32 = x3[(((b * 4736u) + (h * 2368u)) + ((c0_2 + (e / 16u)) * 64u)) + (c0_3 + 1u)];
      let v_13: f32 = x3[(((b * 4736u) + (h * 2368u)) + ((c0_2 + (e / 16u)) * 64u)) + (c0_3 + 2u)];
      let v_14: f32 = x3[(((b * 4736u) + (h * 2368u)) + ((c0_2 + (e / 16u)) * 64u)) + (c0_3 + 3u)];
      q_tile[e] = vec4<f32>(v_11, v_12, v_13, v_14);
    }
    for (var e_1: u32 = t; e_1 < (n * 16u); e_1 += 32u) {
      let c0_4: u32 = (e_1 % 16u) * 4u;
      let v_15: f32 = x4[(((b * 4810u) + (h * 2405u)) + ((c0_2 + (e_1 / 16u)) * 65u)) + c0_4];
      let v_16: f32 = x4[(((b * 4810u) + (h * 2405u)) + ((c0_2 + (e_1 / 16u)) * 65u)) + (c0_4 + 1u)];
      let v_17: f32 = x4[(((b * 4810u) + (h * 2405u)) + ((c0_2 + (e_1 / 16u)) * 65u)) + (c0_4 + 2u)];
      let v_18: f32 = x4[(((b * 4810u) + (h * 2405u)) + ((c0_2 + (e_1 / 16u)) * 65u)) + (c0_4 + 3u)];
      do_tile[e_1] = vec4<f32>(v_15, v_16, v_17, v_18);
    }
    workgroupBarrier();
    for (var ii: u32 = t; ii < n; ii += 32u) {
      let i: u32 = c0_2 + ii;
      let v_19: f32 = x5[(((b * 4810u) + (h * 2405u)) + (i * 65u)) + 64u];
      lse_tile[ii] = v_19;
      var delta: vec4<f32> = vec4<f32>(0.0f);
      for (var c: u32 = 0u; c < params.head_dim_v; c += 1u) {
        let c0_5: u32 = c * 4u;
        let v_20: f32 = x5[(((b * 4810u) + (h * 2405u)) + (i * 65u)) + c0_5];
        let v_21: f32 = x5[(((b * 4810u) + (h * 2405u)) + (i * 65u)) + (c0_5 + 1u)];
        let v_22: f32 = x5[(((b * 4810u) + (h * 2405u)) + (i * 65u)) + (c0_5 + 2u)];
        let v_23: f32 = x5[(((b * 4810u) + (h * 2405u)) + (i * 65u)) + (c0_5 + 3u)];
        delta = fma(do_tile[(ii * 16u) + c], vec4<f32>(v_20, v_21, v_22, v_23), delta);
      }
      let v_24: f32 = x4[(((b * 4810u) + (h * 2405u)) + (i * 65u)) + 64u];
      delta_tile[ii] = ((delta.x + delta.y) + (delta.z + delta.w)) - v_24;
      var word_1: u32 = 0u;
      for (var s_1: u32 = 0u; s_1 < 3u; s_1 += 1u) {
        let v_25: i32 = x0[(b * 9u) + (s_1 * 3u)];
        let kind_1: i32 = v_25;
        let v_26: i32 = x0[((b * 9u) + (s_1 * 3u)) + 1u];
        let v_27: i32 = x0[((b * 9u) + (s_1 * 3u)) + 2u];
        let in_1: bool = ((i32(i) + 0i) >= v_26) && ((i32(i) + 0i) < v_27);
        word_1 = word_1 | select(0u, select(select(select(select(0u, 1u << (s_1 + 3u), kind_1 == 2i), 4u, kind_1 == 4i), 2u, kind_1 == 3i), 1u, kind_1 == 1i), in_1);
      }
      q_word[ii] = word_1;
    }
    workgroupBarrier();
    for (var ii_1: u32 = 0u; ii_1 < n; ii_1 += 1u) {
      let qo: u32 = ii_1 * 16u;
      let go: u32 = ii_1 * 16u;
      var dot: vec4<f32> = vec4<f32>(0.0f);
      for (var d_2: u32 = 0u; d_2 < params.head_dim; d_2 += 1u) {
        dot = fma(q_tile[qo + d_2], k_rows[k_base + d_2], dot);
      }
      let ok: bool = (!((((q_word[ii_1] & 4u) != 0u) || ((k_word & 4u) != 0u)) || (((k_word & 1u) != 0u) && (!((q_word[ii_1] & 1u) != 0u))))) && (((pos_k <= (i32(c0_2 + ii_1) + 0i)) || (((k_word >> 3u) & (q_word[ii_1] >> 3u)) != 0u)) || ((k_word & 2u) != 0u));
      let p: f32 = select(0.0f, exp((((dot.x + dot.y) + (dot.z + dot.w)) * 0.125f) - lse_tile[ii_1]), ok);
      var dp: vec4<f32> = vec4<f32>(0.0f);
      for (var c_1: u32 = 0u; c_1 < params.head_dim_v; c_1 += 1u) {
        dp = fma(do_tile[go + c_1], v_rows[v_base + c_1], dp);
      }
      let pv: vec4<f32> = vec4<f32>(p);
      for (var d_3: u32 = 0u; d_3 < params.head_dim_v; d_3 += 1u) {
        dv[d_3] = fma(pv, do_tile[go + d_3], dv[d_3]);
      }
      let ds: vec4<f32> = vec4<f32>(p * (((dp.x + dp.y) + (dp.z + dp.w)) - delta_tile[ii_1]));
      for (var d_4: u32 = 0u; d_4 < params.head_dim; d_4 += 1u) {
        dk[d_4] = fma(ds, q_tile[qo + d_4], dk[d_4]);
      }
    }
    workgroupBarrier();
  }
  if (live) {
    let o: u32 = ((((b * 2u) + h) * 37u) + r) * 128u;
    for (var d_5: u32 = 0u; d_5 < params.head_dim; d_5 += 1u) {
      y6[o + ((d_5 * 4u) + 0u)] = (dk[d_5] * vec4<f32>(0.125f)).x;
      y6[o + ((d_5 * 4u) + 1u)] = (dk[d_5] * vec4<f32>(0.125f)).y;
      y6[o + ((d_5 * 4u) + 2u)] = (dk[d_5] * vec4<f32>(0.125f)).z;
      y6[o + ((d_5 * 4u) + 3u)] = (dk[d_5] * vec4<f32>(0.125f)).w;
    }
    let ov: u32 = o + 64u;
    for (var d_6: u32 = 0u; d_6 < params.head_dim_v; d_6 += 1u) {
      y6[ov + ((d_6 * 4u) + 0u)] = dv[d_6].x;
      y6[ov + ((d_6 * 4u) + 1u)] = dv[d_6].y;
      y6[ov + ((d_6 * 4u) + 2u)] = dv[d_6].z;
      y6[ov + ((d_6 * 4u) + 3u)] = dv[d_6].w;
    }
  }
}
