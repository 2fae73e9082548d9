// ---- launch 1 of 2, grid [4]
// label: attention_grad_q f32[1, 2, 37, 32] (flash backward 32 rows; chunks of 32; unmasked)
// params: {"head_dim":8,"head_dim_v":8}
// kernel attention_grad_q_flash
// attention_grad_q: q [1, 2, 37, 32], k [1, 2, 37, 32], v [1, 2, 37, 32], out+lse [1, 2, 37, 33], dO [1, 2, 37, 32] → dQ [1, 2, 37, 32]
// flash backward (P from the lse); one workgroup of 32 per (b, h, query tile); keys in chunks of 32; unmasked

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

var<workgroup> q_rows: array<vec4<f32>, 288>;
var<workgroup> do_rows: array<vec4<f32>, 288>;
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
  let q_base: u32 = t * 9u;
  for (var d: u32 = 0u; d < params.head_dim; d += 1u) {
    let c0: u32 = d * 4u;
    let v: f32 = x0[((h * 1184u) + (rc * 32u)) + c0];
    let v_1: f32 = x0[((h * 1184u) + (rc * 32u)) + (c0 + 1u)];
    let v_2: f32 = x0[((h * 1184u) + (rc * 32u)) + (c0 + 2u)];
    let v_3: f32 = x0[((h * 1184u) + (rc * 32u)) + (c0 + 3u)];
    q_rows[q_base + d] = vec4<f32>(v, v_1, v_2, v_3);
  }
  let do_base: u32 = t * 9u;
  for (var d_1: u32 = 0u; d_1 < params.head_dim_v; d_1 += 1u) {
    let c0_1: u32 = d_1 * 4u;
    let v_4: f32 = x1[((h * 1184u) + (rc * 32u)) + c0_1];
    let v_5: f32 = x1[((h * 1184u) + (rc * 32u)) + (c0_1 + 1u)];
    let v_6: f32 = x1[((h * 1184u) + (rc * 32u)) + (c0_1 + 2u)];
    let v_7: f32 = x1[((h * 1184u) + (rc * 32u)) + (c0_1 + 3u)];
    do_rows[do_base + d_1] = vec4<f32>(v_4, v_5, v_6, v_7);
  }
  let v_8: f32 = x2[((h * 1221u) + (rc * 33u)) + 32u];
  let lse: f32 = v_8;
  var delta: vec4<f32> = vec4<f32>(0.0f);
  for (var c: u32 = 0u; c < params.head_dim_v; c += 1u) {
    let c0_2: u32 = c * 4u;
    let v_9: f32 = x2[((h * 1221u) + (rc * 33u)) + c0_2];
    let v_10: f32 = x2[((h * 1221u) + (rc * 33u)) + (c0_2 + 1u)];
    let v_11: f32 = x2[((h * 1221u) + (rc * 33u)) + (c0_2 + 2u)];
    let v_12: f32 = x2[((h * 1221u) + (rc * 33u)) + (c0_2 + 3u)];
    delta = fma(do_rows[do_base + c], vec4<f32>(v_9, v_10, v_11, v_12), delta);
  }
  let delta_row: f32 = (delta.x + delta.y) + (delta.z + delta.w);
  var dq: array<vec4<f32>, 8>;
  dq[0u] = vec4<f32>(0.0f);
  dq[1u] = vec4<f32>(0.0f);
  dq[2u] = vec4<f32>(0.0f);
  dq[3u] = vec4<f32>(0.0f);
  dq[4u] = vec4<f32>(0.0f);
  dq[5u] = vec4<f32>(0.0f);
  dq[6u] = vec4<f32>(0.0f);
  dq[7u] = vec4<f32>(0.0f);
  for (var c0_3: u32 = 0u; c0_3 < 37u; c0_3 += 32u) {
    let n: u32 = min(32u, 37u - c0_3);
    for (var e: u32 = t; e < (n * 8u); e += 32u) {
      let c0_4: u32 = (e % 8u) * 4u;
      let v_13: f32 = x3[((h * 1184u) + ((c0_3 + (e / 8u)) * 32u)) + c0_4];
      let v_14: f32 = x3[((h * 1184u) + ((c0_3 + (e / 8u)) * 32u)) + (c0_4 + 1u)];
      let v_15: f32 = x3[((h * 1184u) + ((c0_3 + (e / 8u)) * 32u)) + (c0_4 + 2u)];
      let v_16: f32 = x3[((h * 1184u) + ((c0_3 + (e / 8u)) * 32u)) + (c0_4 + 3u)];
      k_tile[e] = vec4<f32>(v_13, v_14, v_15, v_16);
    }
    for (var e_1: u32 = t; e_1 < (n * 8u); e_1 += 32u) {
      let c0_5: u32 = (e_1 % 8u) * 4u;
      let v_17: f32 = x4[((h * 1184u) + ((c0_3 + (e_1 / 8u)) * 32u)) + c0_5];
      let v_18: f32 = x4[((h * 1184u) + ((c0_3 + (e_1 / 8u)) * 32u)) + (c0_5 + 1u)];
      let v_19: f32 = x4[((h * 1184u) + ((c0_3 + (e_1 / 8u)) * 32u)) + (c0_5 + 2u)];
      let v_20: f32 = x4[((h * 1184u) + ((c0_3 + (e_1 / 8u)) * 32u)) + (c0_5 + 3u)];
      v_tile[e_1] = vec4<f32>(v_17, v_18, v_19, v_20);
    }
    workgroupBarrier();
    for (var jj: u32 = 0u; jj < n; jj += 1u) {
      let ko: u32 = jj * 8u;
      let vo: u32 = jj * 8u;
      var dot: vec4<f32> = vec4<f32>(0.0f);
      for (var d_2: u32 = 0u; d_2 < params.head_dim; d_2 += 1u) {
        dot = fma(q_rows[q_base + d_2], k_tile[ko + d_2], dot);
      }
      let p: f32 = exp((((dot.x + dot.y) + (dot.z + dot.w)) * 0.17677669f) - lse);
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
    let o: u32 = ((((b * 2u) + h) * 37u) + r) * 32u;
    for (var d_4: u32 = 0u; d_4 < params.head_dim; d_4 += 1u) {
      y5[o + ((d_4 * 4u) + 0u)] = (dq[d_4] * vec4<f32>(0.17677669f)).x;
      y5[o + ((d_4 * 4u) + 1u)] = (dq[d_4] * vec4<f32>(0.17677669f)).y;
      y5[o + ((d_4 * 4u) + 2u)] = (dq[d_4] * vec4<f32>(0.17677669f)).z;
      y5[o + ((d_4 * 4u) + 3u)] = (dq[d_4] * vec4<f32>(0.17677669f)).w;
    }
  }
}

// ---- launch 2 of 2, grid [4]
// label: attention_grad_kv f32[1, 2, 37, 64] (flash backward 32 rows; chunks of 32; unmasked)
// params: {"head_dim":8,"head_dim_v":8}
// kernel attention_grad_kv_flash
// attention_grad_kv: q [1, 2, 37, 32], k [1, 2, 37, 32], v [1, 2, 37, 32], out+lse [1, 2, 37, 33], dO [1, 2, 37, 32] → dK|dV [1, 2, 37, 64]
// flash backward (P from the lse); one workgroup of 32 per (b, h, key tile); queries in chunks of 32; unmasked

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

var<workgroup> k_rows: array<vec4<f32>, 288>;
var<workgroup> v_rows: array<vec4<f32>, 288>;
var<workgroup> q_tile: array<vec4<f32>, 256>;
var<workgroup> do_tile: array<vec4<f32>, 256>;
var<workgroup> lse_tile: array<f32, 32>;
var<workgroup> delta_tile: array<f32, 32>;

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
  let k_base: u32 = t * 9u;
  let v_base: u32 = t * 9u;
  for (var d: u32 = 0u; d < params.head_dim; d += 1u) {
    let c0: u32 = d * 4u;
    let v: f32 = x0[((h * 1184u) + (rc * 32u)) + c0];
    let v_1: f32 = x0[((h * 1184u) + (rc * 32u)) + (c0 + 1u)];
    let v_2: f32 = x0[((h * 1184u) + (rc * 32u)) + (c0 + 2u)];
    let v_3: f32 = x0[((h * 1184u) + (rc * 32u)) + (c0 + 3u)];
    k_rows[k_base + d] = vec4<f32>(v, v_1, v_2, v_3);
  }
  for (var d_1: u32 = 0u; d_1 < params.head_dim_v; d_1 += 1u) {
    let c0_1: u32 = d_1 * 4u;
    let v_4: f32 = x1[((h * 1184u) + (rc * 32u)) + c0_1];
    let v_5: f32 = x1[((h * 1184u) + (rc * 32u)) + (c0_1 + 1u)];
    let v_6: f32 = x1[((h * 1184u) + (rc * 32u)) + (c0_1 + 2u)];
    let v_7: f32 = x1[((h * 1184u) + (rc * 32u)) + (c0_1 + 3u)];
    v_rows[v_base + d_1] = vec4<f32>(v_4, v_5, v_6, v_7);
  }
  var dk: array<vec4<f32>, 8>;
  dk[0u] = vec4<f32>(0.0f);
  dk[1u] = vec4<f32>(0.0f);
  dk[2u] = vec4<f32>(0.0f);
  dk[3u] = vec4<f32>(0.0f);
  dk[4u] = vec4<f32>(0.0f);
  dk[5u] = vec4<f32>(0.0f);
  dk[6u] = vec4<f32>(0.0f);
  dk[7u] = vec4<f32>(0.0f);
  var dv: array<vec4<f32>, 8>;
  dv[0u] = vec4<f32>(0.0f);
  dv[1u] = vec4<f32>(0.0f);
  dv[2u] = vec4<f32>(0.0f);
  dv[3u] = vec4<f32>(0.0f);
  dv[4u] = vec4<f32>(0.0f);
  dv[5u] = vec4<f32>(0.0f);
  dv[6u] = vec4<f32>(0.0f);
  dv[7u] = vec4<f32>(0.0f);
  for (var c0_2: u32 = 0u; c0_2 < 37u; c0_2 += 32u) {
    let n: u32 = min(32u, 37u - c0_2);
    for (var e: u32 = t; e < (n * 8u); e += 32u) {
      let c0_3: u32 = (e % 8u) * 4u;
      let v_8: f32 = x2[((h * 1184u) + ((c0_2 + (e / 8u)) * 32u)) + c0_3];
      let v_9: f32 = x2[((h * 1184u) + ((c0_2 + (e / 8u)) * 32u)) + (c0_3 + 1u)];
      let v_10: f32 = x2[((h * 1184u) + ((c0_2 + (e / 8u)) * 32u)) + (c0_3 + 2u)];
      let v_11: f32 = x2[((h * 1184u) + ((c0_2 + (e / 8u)) * 32u)) + (c0_3 + 3u)];
      q_tile[e] = vec4<f32>(v_8, v_9, v_10, v_11);
    }
    for (var e_1: u32 = t; e_1 < (n * 8u); e_1 += 32u) {
      let c0_4: u32 = (e_1 % 8u) * 4u;
      let v_12: f32 = x3[((h * 1184u) + ((c0_2 + (e_1 / 8u)) * 32u)) + c0_4];
      let v_13: f32 = x3[((h * 1184u) + ((c0_2 + (e_1 / 8u)) * 32u)) + (c0_4 + 1u)];
      let v_14: f32 = x3[((h * 1184u) + ((c0_2 + (e_1 / 8u)) * 32u)) + (c0_4 + 2u)];
      let v_15: f32 = x3[((h * 1184u) + ((c0_2 + (e_1 / 8u)) * 32u)) + (c0_4 + 3u)];
      do_tile[e_1] = vec4<f32>(v_12, v_13, v_14, v_15);
    }
    workgroupBarrier();
    for (var ii: u32 = t; ii < n; ii += 32u) {
      let i: u32 = c0_2 + ii;
      let v_16: f32 = x4[((h * 1221u) + (i * 33u)) + 32u];
      lse_tile[ii] = v_16;
      var delta: vec4<f32> = vec4<f32>(0.0f);
      for (var c: u32 = 0u; c < params.head_dim_v; c += 1u) {
        let c0_5: u32 = c * 4u;
        let v_17: f32 = x4[((h * 1221u) + (i * 33u)) + c0_5];
        let v_18: f32 = x4[((h * 1221u) + (i * 33u)) + (c0_5 + 1u)];
        let v_19: f32 = x4[((h * 1221u) + (i * 33u)) + (c0_5 + 2u)];
        let v_20: f32 = x4[((h * 1221u) + (i * 33u)) + (c0_5 + 3u)];
        delta = fma(do_tile[(ii * 8u) + c], vec4<f32>(v_17, v_18, v_19, v_20), delta);
      }
      delta_tile[ii] = (delta.x + delta.y) + (delta.z + delta.w);
    }
    workgroupBarrier();
    for (var ii_1: u32 = 0u; ii_1 < n; ii_1 += 1u) {
      let qo: u32 = ii_1 * 8u;
      let go: u32 = ii_1 * 8u;
      var dot: vec4<f32> = vec4<f32>(0.0f);
      for (var d_2: u32 = 0u; d_2 < params.head_dim; d_2 += 1u) {
        dot = fma(q_tile[qo + d_2], k_rows[k_base + d_2], dot);
      }
      let p: f32 = exp((((dot.x + dot.y) + (dot.z + dot.w)) * 0.17677669f) - lse_tile[ii_1]);
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
    let o: u32 = ((((b * 2u) + h) * 37u) + r) * 64u;
    for (var d_5: u32 = 0u; d_5 < params.head_dim; d_5 += 1u) {
      y5[o + ((d_5 * 4u) + 0u)] = (dk[d_5] * vec4<f32>(0.17677669f)).x;
      y5[o + ((d_5 * 4u) + 1u)] = (dk[d_5] * vec4<f32>(0.17677669f)).y;
      y5[o + ((d_5 * 4u) + 2u)] = (dk[d_5] * vec4<f32>(0.17677669f)).z;
      y5[o + ((d_5 * 4u) + 3u)] = (dk[d_5] * vec4<f32>(0.17677669f)).w;
    }
    let ov: u32 = o + 32u;
    for (var d_6: u32 = 0u; d_6 < params.head_dim_v; d_6 += 1u) {
      y5[ov + ((d_6 * 4u) + 0u)] = dv[d_6].x;
      y5[ov + ((d_6 * 4u) + 1u)] = dv[d_6].y;
      y5[ov + ((d_6 * 4u) + 2u)] = dv[d_6].z;
      y5[ov + ((d_6 * 4u) + 3u)] = dv[d_6].w;
    }
  }
}
