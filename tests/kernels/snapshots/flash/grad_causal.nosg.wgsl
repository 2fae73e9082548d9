// ---- launch 1 of 2, grid [4]
// label: attention_grad_q f32[1, 2, 37, 64] (flash backward 32 rows; chunks of 16; causal: sure part unmasked, diagonal band masked)
// params: {"head_dim":16,"head_dim_v":16}
// kernel attention_grad_q_flash
// attention_grad_q: q [1, 2, 37, 64], k [1, 2, 37, 64], v [1, 2, 37, 64], out+lse [1, 2, 37, 65], dO [1, 2, 37, 64] → dQ [1, 2, 37, 64]
// flash backward (P from the lse); one workgroup of 32 per (b, h, query tile); keys in chunks of 16; causal: sure part unmasked, diagonal band masked

struct Params {
  head_dim: u32,
  head_dim_v: u32,
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0: array<f32>;
@group(0) @binding(1) var<storage, read> x1: array<f32>;
@group(0) @binding(2) var<storage, read> x2: array<f32>;
@group(0) @binding(3) var<storage, read> x3: array<f32>;
@group(0) @binding(4) var<storage, read> x4: array<f32>;
@group(0) @binding(5) var<storage, read_write> y5: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

var<workgroup> q_rows: array<vec4<f32>, 544>;
var<workgroup> do_rows: array<vec4<f32>, 544>;
var<workgroup> k_tile: array<vec4<f32>, 256>;
var<workgroup> v_tile: array<vec4<f32>, 256>;

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
  let q_base: u32 = t * 17u;
  for (var d: u32 = 0u; d < params.head_dim; d += 1u) {
    let c0: u32 = d * 4u;
    let v: f32 = x0[((h * 2368u) + (rc * 64u)) + c0];
    let v_1: f32 = x0[((h * 2368u) + (rc * 64u)) + (c0 + 1u)];
    let v_2: f32 = x0[((h * 2368u) + (rc * 64u)) + (c0 + 2u)];
    let v_3: f32 = x0[((h * 2368u) + (rc * 64u)) + (c0 + 3u)];
    q_rows[q_base + d] = vec4<f32>(v, v_1, v_2, v_3);
  }
  let do_base: u32 = t * 17u;
  for (var d_1: u32 = 0u; d_1 < params.head_dim_v; d_1 += 1u) {
    let c0_1: u32 = d_1 * 4u;
    let v_4: f32 = x1[((h * 2368u) + (rc * 64u)) + c0_1];
    let v_5: f32 = x1[((h * 2368u) + (rc * 64u)) + (c0_1 + 1u)];
    let v_6: f32 = x1[((h * 2368u) + (rc * 64u)) + (c0_1 + 2u)];
    let v_7: f32 = x1[((h * 2368u) + (rc * 64u)) + (c0_1 + 3u)];
    do_rows[do_base + d_1] = vec4<f32>(v_4, v_5, v_6, v_7);
  }
  let v_8: f32 = x2[((h * 2405u) + (rc * 65u)) + 64u];
  let lse: f32 = v_8;
  var delta: vec4<f32> = vec4<f32>(0.0f);
  for (var c: u32 = 0u; c < params.head_dim_v; c += 1u) {
    let c0_2: u32 = c * 4u;
    let v_9: f32 = x2[((h * 2405u) + (rc * 65u)) + c0_2];
    let v_10: f32 = x2[((h * 2405u) + (rc * 65u)) + (c0_2 + 1u)];
    let v_11: f32 = x2[((h * 2405u) + (rc * 65u)) + (c0_2 + 2u)];
    let v_12: f32 = x2[((h * 2405u) + (rc * 65u)) + (c0_2 + 3u)];
    delta = fma(do_rows[do_base + c], vec4<f32>(v_9, v_10, v_11, v_12), delta);
  }
  let delta_row: f32 = (delta.x + delta.y) + (delta.z + delta.w);
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
  let full_end: u32 = u32(clamp((i32(ot * 32u) + 0i) + 1i, 0i, 37i));
  let band_end: u32 = max(full_end, u32(clamp(i32(min((ot * 32u) + 32u, 37u)) + 0i, 0i, 37i)));
  for (var e: u32 = 0u; e < 2u; e += 1u) {
    let band: bool = e == 1u;
    for (var c0_3: u32 = select(0u, full_end, band); c0_3 < select(full_end, band_end, band); c0_3 += 16u) {
      let n: u32 = min(16u, select(full_end, band_end, band) - c0_3);
      for (var e_1: u32 = t; e_1 < (n * 16u); e_1 += 32u) {
        let c0_4: u32 = (e_1 % 16u) * 4u;
        let v_13: f32 = x3[((h * 2368u) + ((c0_3 + (e_1 / 16u)) * 64u)) + c0_4];
        let v_14: f32 = x3[((h * 2368u) + ((c0_3 + (e_1 / 16u)) * 64u)) + (c0_4 + 1u)];
        let v_15: f32 = x3[((h * 2368u) + ((c0_3 + (e_1 / 16u)) * 64u)) + (c0_4 + 2u)];
        let v_16: f32 = x3[((h * 2368u) + ((c0_3 + (e_1 / 16u)) * 64u)) + (c0_4 + 3u)];
        k_tile[e_1] = vec4<f32>(v_13, v_14, v_15, v_16);
      }
      for (var e_2: u32 = t; e_2 < (n * 16u); e_2 += 32u) {
        let c0_5: u32 = (e_2 % 16u) * 4u;
        let v_17: f32 = x4[((h * 2368u) + ((c0_3 + (e_2 / 16u)) * 64u)) + c0_5];
        let v_18: f32 = x4[((h * 2368u) + ((c0_3 + (e_2 / 16u)) * 64u)) + (c0_5 + 1u)];
        let v_19: f32 = x4[((h * 2368u) + ((c0_3 + (e_2 / 16u)) * 64u)) + (c0_5 + 2u)];
        let v_20: f32 = x4[((h * 2368u) + ((c0_3 + (e_2 / 16u)) * 64u)) + (c0_5 + 3u)];
        v_tile[e_2] = vec4<f32>(v_17, v_18, v_19, v_20);
      }
      workgroupBarrier();
      if (band) {
        for (var jj: u32 = 0u; jj < n; jj += 1u) {
          let ko: u32 = jj * 16u;
          let vo: u32 = jj * 16u;
          var dot: vec4<f32> = vec4<f32>(0.0f);
          for (var d_2: u32 = 0u; d_2 < params.head_dim; d_2 += 1u) {
            dot = fma(q_rows[q_base + d_2], k_tile[ko + d_2], dot);
          }
          let ok: bool = i32(c0_3 + jj) <= pos_q;
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
      } else {
        for (var jj_1: u32 = 0u; jj_1 < n; jj_1 += 1u) {
          let ko_1: u32 = jj_1 * 16u;
          let vo_1: u32 = jj_1 * 16u;
          var dot_1: vec4<f32> = vec4<f32>(0.0f);
          for (var d_4: u32 = 0u; d_4 < params.head_dim; d_4 += 1u) {
            dot_1 = fma(q_rows[q_base + d_4], k_tile[ko_1 + d_4], dot_1);
          }
          let p_1: f32 = exp((((dot_1.x + dot_1.y) + (dot_1.z + dot_1.w)) * 0.125f) - lse);
          var dp_1: vec4<f32> = vec4<f32>(0.0f);
          for (var c_2: u32 = 0u; c_2 < params.head_dim_v; c_2 += 1u) {
            dp_1 = fma(do_rows[do_base + c_2], v_tile[vo_1 + c_2], dp_1);
          }
          let ds_1: vec4<f32> = vec4<f32>(p_1 * (((dp_1.x + dp_1.y) + (dp_1.z + dp_1.w)) - delta_row));
          for (var d_5: u32 = 0u; d_5 < params.head_dim; d_5 += 1u) {
            dq[d_5] = fma(ds_1, k_tile[ko_1 + d_5], dq[d_5]);
          }
        }
      }
      workgroupBarrier();
    }
  }
  if (live) {
    let o: u32 = ((((b * 2u) + h) * 37u) + r) * 64u;
    for (var d_6: u32 = 0u; d_6 < params.head_dim; d_6 += 1u) {
      y5[o + ((d_6 * 4u) + 0u)] = (dq[d_6] * vec4<f32>(0.125f)).x;
      y5[o + ((d_6 * 4u) + 1u)] = (dq[d_6] * vec4<f32>(0.125f)).y;
      y5[o + ((d_6 * 4u) + 2u)] = (dq[d_6] * vec4<f32>(0.125f)).z;
      y5[o + ((d_6 * 4u) + 3u)] = (dq[d_6] * vec4<f32>(0.125f)).w;
    }
  }
}

// ---- launch 2 of 2, grid [4]
// label: attention_grad_kv f32[1, 2, 37, 128] (flash backward 32 rows; chunks of 16; causal: sure part unmasked, diagonal band masked)
// params: {"head_dim":16,"head_dim_v":16}
// kernel attention_grad_kv_flash
// attention_grad_kv: q [1, 2, 37, 64], k [1, 2, 37, 64], v [1, 2, 37, 64], out+lse [1, 2, 37, 65], dO [1, 2, 37, 64] → dK|dV [1, 2, 37, 128]
// flash backward (P from the lse); one workgroup of 32 per (b, h, key tile); queries in chunks of 16; causal: sure part unmasked, diagonal band masked

struct Params {
  head_dim: u32,
  head_dim_v: u32,
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0: array<f32>;
@group(0) @binding(1) var<storage, read> x1: array<f32>;
@group(0) @binding(2) var<storage, read> x2: array<f32>;
@group(0) @binding(3) var<storage, read> x3: array<f32>;
@group(0) @binding(4) var<storage, read> x4: array<f32>;
@group(0) @binding(5) var<storage, read_write> y5: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

var<workgroup> k_rows: array<vec4<f32>, 544>;
var<workgroup> v_rows: array<vec4<f32>, 544>;
var<workgroup> q_tile: array<vec4<f32>, 256>;
var<workgroup> do_tile: array<vec4<f32>, 256>;
var<workgroup> lse_tile: array<f32, 16>;
var<workgroup> delta_tile: array<f32, 16>;

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
  let k_base: u32 = t * 17u;
  let v_base: u32 = t * 17u;
  for (var d: u32 = 0u; d < params.head_dim; d += 1u) {
    let c0: u32 = d * 4u;
    let v: f32 = x0[((h * 2368u) + (rc * 64u)) + c0];
    let v_1: f32 = x0[((h * 2368u) + (rc * 64u)) + (c0 + 1u)];
    let v_2: f32 = x0[((h * 2368u) + (rc * 64u)) + (c0 + 2u)];
    let v_3: f32 = x0[((h * 2368u) + (rc * 64u)) + (c0 + 3u)];
    k_rows[k_base + d] = vec4<f32>(v, v_1, v_2, v_3);
  }
  for (var d_1: u32 = 0u; d_1 < params.head_dim_v; d_1 += 1u) {
    let c0_1: u32 = d_1 * 4u;
    let v_4: f32 = x1[((h * 2368u) + (rc * 64u)) + c0_1];
    let v_5: f32 = x1[((h * 2368u) + (rc * 64u)) + (c0_1 + 1u)];
    let v_6: f32 = x1[((h * 2368u) + (rc * 64u)) + (c0_1 + 2u)];
    let v_7: f32 = x1[((h * 2368u) + (rc * 64u)) + (c0_1 + 3u)];
    v_rows[v_base + d_1] = vec4<f32>(v_4, v_5, v_6, v_7);
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
  let band_start: u32 = u32(clamp(i32(ot * 32u) - 0i, 0i, 37i));
  let full_start: u32 = max(band_start, u32(clamp(i32(min((ot * 32u) + 32u, 37u) - 1u) - 0i, 0i, 37i)));
  for (var e: u32 = 0u; e < 2u; e += 1u) {
    let band: bool = e == 1u;
    for (var c0_2: u32 = select(full_start, band_start, band); c0_2 < select(37u, full_start, band); c0_2 += 16u) {
      let n: u32 = min(16u, select(37u, full_start, band) - c0_2);
      for (var e_1: u32 = t; e_1 < (n * 16u); e_1 += 32u) {
        let c0_3: u32 = (e_1 % 16u) * 4u;
        let v_8: f32 = x2[((h * 2368u) + ((c0_2 + (e_1 / 16u)) * 64u)) + c0_3];
        let v_9: f32 = x2[((h * 2368u) + ((c0_2 + (e_1 / 16u)) * 64u)) + (c0_3 + 1u)];
        let v_10: f32 = x2[((h * 2368u) + ((c0_2 + (e_1 / 16u)) * 64u)) + (c0_3 + 2u)];
        let v_11: f32 = x2[((h * 2368u) + ((c0_2 + (e_1 / 16u)) * 64u)) + (c0_3 + 3u)];
        q_tile[e_1] = vec4<f32>(v_8, v_9, v_10, v_11);
      }
      for (var e_2: u32 = t; e_2 < (n * 16u); e_2 += 32u) {
        let c0_4: u32 = (e_2 % 16u) * 4u;
        let v_12: f32 = x3[((h * 2368u) + ((c0_2 + (e_2 / 16u)) * 64u)) + c0_4];
        let v_13: f32 = x3[((h * 2368u) + ((c0_2 + (e_2 / 16u)) * 64u)) + (c0_4 + 1u)];
        let v_14: f32 = x3[((h * 2368u) + ((c0_2 + (e_2 / 16u)) * 64u)) + (c0_4 + 2u)];
        let v_15: f32 = x3[((h * 2368u) + ((c0_2 + (e_2 / 16u)) * 64u)) + (c0_4 + 3u)];
        do_tile[e_2] = vec4<f32>(v_12, v_13, v_14, v_15);
      }
      workgroupBarrier();
      for (var ii: u32 = t; ii < n; ii += 32u) {
        let i: u32 = c0_2 + ii;
        let v_16: f32 = x4[((h * 2405u) + (i * 65u)) + 64u];
        lse_tile[ii] = v_16;
        var delta: vec4<f32> = vec4<f32>(0.0f);
        for (var c: u32 = 0u; c < params.head_dim_v; c += 1u) {
          let c0_5: u32 = c * 4u;
          let v_17: f32 = x4[((h * 2405u) + (i * 65u)) + c0_5];
          let v_18: f32 = x4[((h * 2405u) + (i * 65u)) + (c0_5 + 1u)];
          let v_19: f32 = x4[((h * 2405u) + (i * 65u)) + (c0_5 + 2u)];
          let v_20: f32 = x4[((h * 2405u) + (i * 65u)) + (c0_5 + 3u)];
          delta = fma(do_tile[(ii * 16u) + c], vec4<f32>(v_17, v_18, v_19, v_20), delta);
        }
        delta_tile[ii] = (delta.x + delta.y) + (delta.z + delta.w);
      }
      workgroupBarrier();
      if (band) {
        for (var ii_1: u32 = 0u; ii_1 < n; ii_1 += 1u) {
          let qo: u32 = ii_1 * 16u;
          let go: u32 = ii_1 * 16u;
          var dot: vec4<f32> = vec4<f32>(0.0f);
          for (var d_2: u32 = 0u; d_2 < params.head_dim; d_2 += 1u) {
            dot = fma(q_tile[qo + d_2], k_rows[k_base + d_2], dot);
          }
          let ok: bool = pos_k <= (i32(c0_2 + ii_1) + 0i);
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
      } else {
        for (var ii_2: u32 = 0u; ii_2 < n; ii_2 += 1u) {
          let qo_1: u32 = ii_2 * 16u;
          let go_1: u32 = ii_2 * 16u;
          var dot_1: vec4<f32> = vec4<f32>(0.0f);
          for (var d_5: u32 = 0u; d_5 < params.head_dim; d_5 += 1u) {
            dot_1 = fma(q_tile[qo_1 + d_5], k_rows[k_base + d_5], dot_1);
          }
          let p_1: f32 = exp((((dot_1.x + dot_1.y) + (dot_1.z + dot_1.w)) * 0.125f) - lse_tile[ii_2]);
          var dp_1: vec4<f32> = vec4<f32>(0.0f);
          for (var c_2: u32 = 0u; c_2 < params.head_dim_v; c_2 += 1u) {
            dp_1 = fma(do_tile[go_1 + c_2], v_rows[v_base + c_2], dp_1);
          }
          let pv_1: vec4<f32> = vec4<f32>(p_1);
          for (var d_6: u32 = 0u; d_6 < params.head_dim_v; d_6 += 1u) {
            dv[d_6] = fma(pv_1, do_tile[go_1 + d_6], dv[d_6]);
          }
          let ds_1: vec4<f32> = vec4<f32>(p_1 * (((dp_1.x + dp_1.y) + (dp_1.z + dp_1.w)) - delta_tile[ii_2]));
          for (var d_7: u32 = 0u; d_7 < params.head_dim; d_7 += 1u) {
            dk[d_7] = fma(ds_1, q_tile[qo_1 + d_7], dk[d_7]);
          }
        }
      }
      workgroupBarrier();
    }
  }
  if (live) {
    let o: u32 = ((((b * 2u) + h) * 37u) + r) * 128u;
    for (var d_8: u32 = 0u; d_8 < params.head_dim; d_8 += 1u) {
      y5[o + ((d_8 * 4u) + 0u)] = (dk[d_8] * vec4<f32>(0.125f)).x;
      y5[o + ((d_8 * 4u) + 1u)] = (dk[d_8] * vec4<f32>(0.125f)).y;
      y5[o + ((d_8 * 4u) + 2u)] = (dk[d_8] * vec4<f32>(0.125f)).z;
      y5[o + ((d_8 * 4u) + 3u)] = (dk[d_8] * vec4<f32>(0.125f)).w;
    }
    let ov: u32 = o + 64u;
    for (var d_9: u32 = 0u; d_9 < params.head_dim_v; d_9 += 1u) {
      y5[ov + ((d_9 * 4u) + 0u)] = dv[d_9].x;
      y5[ov + ((d_9 * 4u) + 1u)] = dv[d_9].y;
      y5[ov + ((d_9 * 4u) + 2u)] = dv[d_9].z;
      y5[ov + ((d_9 * 4u) + 3u)] = dv[d_9].w;
    }
  }
}
