// ---- launch 1 of 1, grid [4]
// label: attention f32[1, 2, 37, 24] (flash blocked 32×32; no partial tiles: unmasked loop only)
// params: {"head_groups":6,"key_groups":8}
// kernel attention_flash
// attention: q [1, 2, 37, 24], k [1, 2, 37, 24], v [1, 2, 37, 24] → out [1, 2, 37, 24]
// flash, register-blocked: one workgroup of 32 per (b, h, 32-row query tile); keys in chunks of 32; 4×8 score blocks, 4×8 output blocks; no partial tiles: unmasked loop only

struct Params {
  head_groups: u32,
  key_groups: u32,
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0_v4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> x1_v4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x2_v4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y3: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> q_tile: array<vec4<f32>, 192>;
var<workgroup> k_tile: array<vec4<f32>, 192>;
var<workgroup> v_tile: array<vec4<f32>, 192>;
var<workgroup> p_tile: array<vec4<f32>, 256>;
var<workgroup> row_max: array<f32, 32>;
var<workgroup> row_sum: array<f32, 32>;
var<workgroup> row_alpha: array<f32, 32>;

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
  for (var e: u32 = t; e < 192u; e += 32u) {
    let i: u32 = min(row0 + (e / 6u), 36u);
    q_tile[e] = x0_v4[(((((b * 2u) + h) * 37u) + i) * 6u) + (e % 6u)] * 0.20412415f;
  }
  for (var r: u32 = t; r < 32u; r += 32u) {
    row_max[r] = -1e+30f;
    row_sum[r] = 0.0f;
  }
  workgroupBarrier();
  let sr0: u32 = (t / 4u) * 4u;
  let sk0: u32 = (t % 4u) * 8u;
  let or0: u32 = (t / 4u) * 4u;
  let oc_in: bool = (t % 4u) < 6u;
  let oc_in_1: bool = ((t % 4u) + 4u) < 6u;
  let oc: u32 = min(t % 4u, 5u);
  let oc_1: u32 = min((t % 4u) + 4u, 5u);
  var acc: vec4<f32> = vec4<f32>(0.0f);
  var acc_1: vec4<f32> = vec4<f32>(0.0f);
  var acc_2: vec4<f32> = vec4<f32>(0.0f);
  var acc_3: vec4<f32> = vec4<f32>(0.0f);
  var acc_4: vec4<f32> = vec4<f32>(0.0f);
  var acc_5: vec4<f32> = vec4<f32>(0.0f);
  var acc_6: vec4<f32> = vec4<f32>(0.0f);
  var acc_7: vec4<f32> = vec4<f32>(0.0f);
  let pos_q: i32 = i32(row0 + (sr0 + 0u)) + 0i;
  let pos_q_1: i32 = i32(row0 + (sr0 + 1u)) + 0i;
  let pos_q_2: i32 = i32(row0 + (sr0 + 2u)) + 0i;
  let pos_q_3: i32 = i32(row0 + (sr0 + 3u)) + 0i;
  for (var c0: u32 = 0u; c0 < 37u; c0 += 32u) {
    let n: u32 = min(32u, 37u - c0);
    for (var e_1: u32 = t; e_1 < 192u; e_1 += 32u) {
      let j: u32 = min(c0 + (e_1 / 6u), 36u);
      k_tile[e_1] = x1_v4[(((((b * 2u) + h) * 37u) + j) * 6u) + (e_1 % 6u)];
    }
    for (var e_2: u32 = t; e_2 < 192u; e_2 += 32u) {
      let j_1: u32 = min(c0 + (e_2 / 6u), 36u);
      v_tile[e_2] = x2_v4[(((((b * 2u) + h) * 37u) + j_1) * 6u) + (e_2 % 6u)];
    }
    workgroupBarrier();
    var s: f32 = 0.0f;
    var s_1: f32 = 0.0f;
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
    for (var g: u32 = 0u; g < params.head_groups; g += 1u) {
      let kv: vec4<f32> = k_tile[((sk0 + 0u) * 6u) + g];
      let kv_1: vec4<f32> = k_tile[((sk0 + 1u) * 6u) + g];
      let kv_2: vec4<f32> = k_tile[((sk0 + 2u) * 6u) + g];
      let kv_3: vec4<f32> = k_tile[((sk0 + 3u) * 6u) + g];
      let kv_4: vec4<f32> = k_tile[((sk0 + 4u) * 6u) + g];
      let kv_5: vec4<f32> = k_tile[((sk0 + 5u) * 6u) + g];
      let kv_6: vec4<f32> = k_tile[((sk0 + 6u) * 6u) + g];
      let kv_7: vec4<f32> = k_tile[((sk0 + 7u) * 6u) + g];
      let qv: vec4<f32> = q_tile[((sr0 + 0u) * 6u) + g];
      s = fma(qv.w, kv.w, fma(qv.z, kv.z, fma(qv.y, kv.y, fma(qv.x, kv.x, s))));
      s_1 = fma(qv.w, kv_1.w, fma(qv.z, kv_1.z, fma(qv.y, kv_1.y, fma(qv.x, kv_1.x, s_1))));
      s_2 = fma(qv.w, kv_2.w, fma(qv.z, kv_2.z, fma(qv.y, kv_2.y, fma(qv.x, kv_2.x, s_2))));
      s_3 = fma(qv.w, kv_3.w, fma(qv.z, kv_3.z, fma(qv.y, kv_3.y, fma(qv.x, kv_3.x, s_3))));
      s_4 = fma(qv.w, kv_4.w, fma(qv.z, kv_4.z, fma(qv.y, kv_4.y, fma(qv.x, kv_4.x, s_4))));
      s_5 = fma(qv.w, kv_5.w, fma(qv.z, kv_5.z, fma(qv.y, kv_5.y, fma(qv.x, kv_5.x, s_5))));
      s_6 = fma(qv.w, kv_6.w, fma(qv.z, kv_6.z, fma(qv.y, kv_6.y, fma(qv.x, kv_6.x, s_6))));
      s_7 = fma(qv.w, kv_7.w, fma(qv.z, kv_7.z, fma(qv.y, kv_7.y, fma(qv.x, kv_7.x, s_7))));
      let qv_1: vec4<f32> = q_tile[((sr0 + 1u) * 6u) + g];
      s_8 = fma(qv_1.w, kv.w, fma(qv_1.z, kv.z, fma(qv_1.y, kv.y, fma(qv_1.x, kv.x, s_8))));
      s_9 = fma(qv_1.w, kv_1.w, fma(qv_1.z, kv_1.z, fma(qv_1.y, kv_1.y, fma(qv_1.x, kv_1.x, s_9))));
      s_10 = fma(qv_1.w, kv_2.w, fma(qv_1.z, kv_2.z, fma(qv_1.y, kv_2.y, fma(qv_1.x, kv_2.x, s_10))));
      s_11 = fma(qv_1.w, kv_3.w, fma(qv_1.z, kv_3.z, fma(qv_1.y, kv_3.y, fma(qv_1.x, kv_3.x, s_11))));
      s_12 = fma(qv_1.w, kv_4.w, fma(qv_1.z, kv_4.z, fma(qv_1.y, kv_4.y, fma(qv_1.x, kv_4.x, s_12))));
      s_13 = fma(qv_1.w, kv_5.w, fma(qv_1.z, kv_5.z, fma(qv_1.y, kv_5.y, fma(qv_1.x, kv_5.x, s_13))));
      s_14 = fma(qv_1.w, kv_6.w, fma(qv_1.z, kv_6.z, fma(qv_1.y, kv_6.y, fma(qv_1.x, kv_6.x, s_14))));
      s_15 = fma(qv_1.w, kv_7.w, fma(qv_1.z, kv_7.z, fma(qv_1.y, kv_7.y, fma(qv_1.x, kv_7.x, s_15))));
      let qv_2: vec4<f32> = q_tile[((sr0 + 2u) * 6u) + g];
      s_16 = fma(qv_2.w, kv.w, fma(qv_2.z, kv.z, fma(qv_2.y, kv.y, fma(qv_2.x, kv.x, s_16))));
      s_17 = fma(qv_2.w, kv_1.w, fma(qv_2.z, kv_1.z, fma(qv_2.y, kv_1.y, fma(qv_2.x, kv_1.x, s_17))));
      s_18 = fma(qv_2.w, kv_2.w, fma(qv_2.z, kv_2.z, fma(qv_2.y, kv_2.y, fma(qv_2.x, kv_2.x, s_18))));
      s_19 = fma(qv_2.w, kv_3.w, fma(qv_2.z, kv_3.z, fma(qv_2.y, kv_3.y, fma(qv_2.x, kv_3.x, s_19))));
      s_20 = fma(qv_2.w, kv_4.w, fma(qv_2.z, kv_4.z, fma(qv_2.y, kv_4.y, fma(qv_2.x, kv_4.x, s_20))));
      s_21 = fma(qv_2.w, kv_5.w, fma(qv_2.z, kv_5.z, fma(qv_2.y, kv_5.y, fma(qv_2.x, kv_5.x, s_21))));
      s_22 = fma(qv_2.w, kv_6.w, fma(qv_2.z, kv_6.z, fma(qv_2.y, kv_6.y, fma(qv_2.x, kv_6.x, s_22))));
      s_23 = fma(qv_2.w, kv_7.w, fma(qv_2.z, kv_7.z, fma(qv_2.y, kv_7.y, fma(qv_2.x, kv_7.x, s_23))));
      let qv_3: vec4<f32> = q_tile[((sr0 + 3u) * 6u) + g];
      s_24 = fma(qv_3.w, kv.w, fma(qv_3.z, kv.z, fma(qv_3.y, kv.y, fma(qv_3.x, kv.x, s_24))));
      s_25 = fma(qv_3.w, kv_1.w, fma(qv_3.z, kv_1.z, fma(qv_3.y, kv_1.y, fma(qv_3.x, kv_1.x, s_25))));
      s_26 = fma(qv_3.w, kv_2.w, fma(qv_3.z, kv_2.z, fma(qv_3.y, kv_2.y, fma(qv_3.x, kv_2.x, s_26))));
      s_27 = fma(qv_3.w, kv_3.w, fma(qv_3.z, kv_3.z, fma(qv_3.y, kv_3.y, fma(qv_3.x, kv_3.x, s_27))));
      s_28 = fma(qv_3.w, kv_4.w, fma(qv_3.z, kv_4.z, fma(qv_3.y, kv_4.y, fma(qv_3.x, kv_4.x, s_28))));
      s_29 = fma(qv_3.w, kv_5.w, fma(qv_3.z, kv_5.z, fma(qv_3.y, kv_5.y, fma(qv_3.x, kv_5.x, s_29))));
      s_30 = fma(qv_3.w, kv_6.w, fma(qv_3.z, kv_6.z, fma(qv_3.y, kv_6.y, fma(qv_3.x, kv_6.x, s_30))));
      s_31 = fma(qv_3.w, kv_7.w, fma(qv_3.z, kv_7.z, fma(qv_3.y, kv_7.y, fma(qv_3.x, kv_7.x, s_31))));
    }
    let in_chunk: bool = (sk0 + 0u) < n;
    let in_chunk_1: bool = (sk0 + 1u) < n;
    let in_chunk_2: bool = (sk0 + 2u) < n;
    let in_chunk_3: bool = (sk0 + 3u) < n;
    let in_chunk_4: bool = (sk0 + 4u) < n;
    let in_chunk_5: bool = (sk0 + 5u) < n;
    let in_chunk_6: bool = (sk0 + 6u) < n;
    let in_chunk_7: bool = (sk0 + 7u) < n;
    let pos_k: i32 = i32(c0 + (sk0 + 0u));
    let pos_k_1: i32 = i32(c0 + (sk0 + 1u));
    let pos_k_2: i32 = i32(c0 + (sk0 + 2u));
    let pos_k_3: i32 = i32(c0 + (sk0 + 3u));
    let pos_k_4: i32 = i32(c0 + (sk0 + 4u));
    let pos_k_5: i32 = i32(c0 + (sk0 + 5u));
    let pos_k_6: i32 = i32(c0 + (sk0 + 6u));
    let pos_k_7: i32 = i32(c0 + (sk0 + 7u));
    p_tile[((sr0 + 0u) * 8u) + ((sk0 / 4u) + 0u)] = vec4<f32>(select(-1e+30f, s, in_chunk), select(-1e+30f, s_1, in_chunk_1), select(-1e+30f, s_2, in_chunk_2), select(-1e+30f, s_3, in_chunk_3));
    p_tile[((sr0 + 0u) * 8u) + ((sk0 / 4u) + 1u)] = vec4<f32>(select(-1e+30f, s_4, in_chunk_4), select(-1e+30f, s_5, in_chunk_5), select(-1e+30f, s_6, in_chunk_6), select(-1e+30f, s_7, in_chunk_7));
    p_tile[((sr0 + 1u) * 8u) + ((sk0 / 4u) + 0u)] = vec4<f32>(select(-1e+30f, s_8, in_chunk), select(-1e+30f, s_9, in_chunk_1), select(-1e+30f, s_10, in_chunk_2), select(-1e+30f, s_11, in_chunk_3));
    p_tile[((sr0 + 1u) * 8u) + ((sk0 / 4u) + 1u)] = vec4<f32>(select(-1e+30f, s_12, in_chunk_4), select(-1e+30f, s_13, in_chunk_5), select(-1e+30f, s_14, in_chunk_6), select(-1e+30f, s_15, in_chunk_7));
    p_tile[((sr0 + 2u) * 8u) + ((sk0 / 4u) + 0u)] = vec4<f32>(select(-1e+30f, s_16, in_chunk), select(-1e+30f, s_17, in_chunk_1), select(-1e+30f, s_18, in_chunk_2), select(-1e+30f, s_19, in_chunk_3));
    p_tile[((sr0 + 2u) * 8u) + ((sk0 / 4u) + 1u)] = vec4<f32>(select(-1e+30f, s_20, in_chunk_4), select(-1e+30f, s_21, in_chunk_5), select(-1e+30f, s_22, in_chunk_6), select(-1e+30f, s_23, in_chunk_7));
    p_tile[((sr0 + 3u) * 8u) + ((sk0 / 4u) + 0u)] = vec4<f32>(select(-1e+30f, s_24, in_chunk), select(-1e+30f, s_25, in_chunk_1), select(-1e+30f, s_26, in_chunk_2), select(-1e+30f, s_27, in_chunk_3));
    p_tile[((sr0 + 3u) * 8u) + ((sk0 / 4u) + 1u)] = vec4<f32>(select(-1e+30f, s_28, in_chunk_4), select(-1e+30f, s_29, in_chunk_5), select(-1e+30f, s_30, in_chunk_6), select(-1e+30f, s_31, in_chunk_7));
    workgroupBarrier();
    for (var r_1: u32 = t; r_1 < 32u; r_1 += 32u) {
      let o: u32 = r_1 * 8u;
      let m_old: f32 = row_max[r_1];
      var mx: f32 = m_old;
      for (var c: u32 = 0u; c < params.key_groups; c += 1u) {
        let sv: vec4<f32> = p_tile[o + c];
        mx = max(mx, max(max(sv.x, sv.y), max(sv.z, sv.w)));
      }
      let alpha: f32 = select(0.0f, exp(m_old - mx), m_old > -5e+29f);
      var sum: vec4<f32> = vec4<f32>(0.0f);
      for (var c_1: u32 = 0u; c_1 < params.key_groups; c_1 += 1u) {
        let sv_1: vec4<f32> = p_tile[o + c_1];
        let p: vec4<f32> = vec4<f32>(select(exp(sv_1.x - mx), 0.0f, sv_1.x <= -5e+29f), select(exp(sv_1.y - mx), 0.0f, sv_1.y <= -5e+29f), select(exp(sv_1.z - mx), 0.0f, sv_1.z <= -5e+29f), select(exp(sv_1.w - mx), 0.0f, sv_1.w <= -5e+29f));
        p_tile[o + c_1] = p;
        sum = sum + p;
      }
      row_sum[r_1] = fma(row_sum[r_1], alpha, (sum.x + sum.y) + (sum.z + sum.w));
      row_max[r_1] = mx;
      row_alpha[r_1] = alpha;
    }
    workgroupBarrier();
    let alpha_1: f32 = row_alpha[or0 + 0u];
    acc = acc * alpha_1;
    acc_1 = acc_1 * alpha_1;
    let alpha_2: f32 = row_alpha[or0 + 1u];
    acc_2 = acc_2 * alpha_2;
    acc_3 = acc_3 * alpha_2;
    let alpha_3: f32 = row_alpha[or0 + 2u];
    acc_4 = acc_4 * alpha_3;
    acc_5 = acc_5 * alpha_3;
    let alpha_4: f32 = row_alpha[or0 + 3u];
    acc_6 = acc_6 * alpha_4;
    acc_7 = acc_7 * alpha_4;
    for (var kg: u32 = 0u; kg < params.key_groups; kg += 1u) {
      let pv: vec4<f32> = p_tile[((or0 + 0u) * 8u) + kg];
      let pv_1: vec4<f32> = p_tile[((or0 + 1u) * 8u) + kg];
      let pv_2: vec4<f32> = p_tile[((or0 + 2u) * 8u) + kg];
      let pv_3: vec4<f32> = p_tile[((or0 + 3u) * 8u) + kg];
      let vo: u32 = ((kg * 4u) + 0u) * 6u;
      let vv: vec4<f32> = v_tile[vo + oc];
      let vv_1: vec4<f32> = v_tile[vo + oc_1];
      acc = acc + (pv.x * vv);
      acc_1 = acc_1 + (pv.x * vv_1);
      acc_2 = acc_2 + (pv_1.x * vv);
      acc_3 = acc_3 + (pv_1.x * vv_1);
      acc_4 = acc_4 + (pv_2.x * vv);
      acc_5 = acc_5 + (pv_2.x * vv_1);
      acc_6 = acc_6 + (pv_3.x * vv);
      acc_7 = acc_7 + (pv_3.x * vv_1);
      let vo_1: u32 = ((kg * 4u) + 1u) * 6u;
      let vv_2: vec4<f32> = v_tile[vo_1 + oc];
      let vv_3: vec4<f32> = v_tile[vo_1 + oc_1];
      acc = acc + (pv.y * vv_2);
      acc_1 = acc_1 + (pv.y * vv_3);
      acc_2 = acc_2 + (pv_1.y * vv_2);
      acc_3 = acc_3 + (pv_1.y * vv_3);
      acc_4 = acc_4 + (pv_2.y * vv_2);
      acc_5 = acc_5 + (pv_2.y * vv_3);
      acc_6 = acc_6 + (pv_3.y * vv_2);
      acc_7 = acc_7 + (pv_3.y * vv_3);
      let vo_2: u32 = ((kg * 4u) + 2u) * 6u;
      let vv_4: vec4<f32> = v_tile[vo_2 + oc];
      let vv_5: vec4<f32> = v_tile[vo_2 + oc_1];
      acc = acc + (pv.z * vv_4);
      acc_1 = acc_1 + (pv.z * vv_5);
      acc_2 = acc_2 + (pv_1.z * vv_4);
      acc_3 = acc_3 + (pv_1.z * vv_5);
      acc_4 = acc_4 + (pv_2.z * vv_4);
      acc_5 = acc_5 + (pv_2.z * vv_5);
      acc_6 = acc_6 + (pv_3.z * vv_4);
      acc_7 = acc_7 + (pv_3.z * vv_5);
      let vo_3: u32 = ((kg * 4u) + 3u) * 6u;
      let vv_6: vec4<f32> = v_tile[vo_3 + oc];
      let vv_7: vec4<f32> = v_tile[vo_3 + oc_1];
      acc = acc + (pv.w * vv_6);
      acc_1 = acc_1 + (pv.w * vv_7);
      acc_2 = acc_2 + (pv_1.w * vv_6);
      acc_3 = acc_3 + (pv_1.w * vv_7);
      acc_4 = acc_4 + (pv_2.w * vv_6);
      acc_5 = acc_5 + (pv_2.w * vv_7);
      acc_6 = acc_6 + (pv_3.w * vv_6);
      acc_7 = acc_7 + (pv_3.w * vv_7);
    }
    workgroupBarrier();
  }
  for (var r_2: u32 = t; r_2 < 32u; r_2 += 32u) {
    let l: f32 = row_sum[r_2];
    let empty: bool = l == 0.0f;
    row_alpha[r_2] = select(1.0f / l, 0.0f, empty);
  }
  workgroupBarrier();
  let row: u32 = row0 + (or0 + 0u);
  let inv_l: f32 = row_alpha[or0 + 0u];
  let empty_1: bool = inv_l == 0.0f;
  if (row < 37u) {
    let o_1: u32 = ((((b * 2u) + h) * 37u) + row) * 24u;
    if (oc_in) {
      let y: vec4<f32> = acc * inv_l;
      y3[o_1 + ((oc * 4u) + 0u)] = select(y.x, 0.0f, empty_1);
      y3[o_1 + ((oc * 4u) + 1u)] = select(y.y, 0.0f, empty_1);
      y3[o_1 + ((oc * 4u) + 2u)] = select(y.z, 0.0f, empty_1);
      y3[o_1 + ((oc * 4u) + 3u)] = select(y.w, 0.0f, empty_1);
    }
    if (oc_in_1) {
      let y_1: vec4<f32> = acc_1 * inv_l;
      y3[o_1 + ((oc_1 * 4u) + 0u)] = select(y_1.x, 0.0f, empty_1);
      y3[o_1 + ((oc_1 * 4u) + 1u)] = select(y_1.y, 0.0f, empty_1);
      y3[o_1 + ((oc_1 * 4u) + 2u)] = select(y_1.z, 0.0f, empty_1);
      y3[o_1 + ((oc_1 * 4u) + 3u)] = select(y_1.w, 0.0f, empty_1);
    }
  }
  let row_1: u32 = row0 + (or0 + 1u);
  let inv_l_1: f32 = row_alpha[or0 + 1u];
  let empty_2: bool = inv_l_1 == 0.0f;
  if (row_1 < 37u) {
    let o_2: u32 = ((((b * 2u) + h) * 37u) + row_1) * 24u;
    if (oc_in) {
      let y_2: vec4<f32> = acc_2 * inv_l_1;
      y3[o_2 + ((oc * 4u) + 0u)] = select(y_2.x, 0.0f, empty_2);
      y3[o_2 + ((oc * 4u) + 1u)] = select(y_2.y, 0.0f, empty_2);
      y3[o_2 + ((oc * 4u) + 2u)] = select(y_2.z, 0.0f, empty_2);
      y3[o_2 + ((oc * 4u) + 3u)] = select(y_2.w, 0.0f, empty_2);
    }
    if (oc_in_1) {
      let y_3: vec4<f32> = acc_3 * inv_l_1;
      y3[o_2 + ((oc_1 * 4u) + 0u)] = select(y_3.x, 0.0f, empty_2);
      y3[o_2 + ((oc_1 * 4u) + 1u)] = select(y_3.y, 0.0f, empty_2);
      y3[o_2 + ((oc_1 * 4u) + 2u)] = select(y_3.z, 0.0f, empty_2);
      y3[o_2 + ((oc_1 * 4u) + 3u)] = select(y_3.w, 0.0f, empty_2);
    }
  }
  let row_2: u32 = row0 + (or0 + 2u);
  let inv_l_2: f32 = row_alpha[or0 + 2u];
  let empty_3: bool = inv_l_2 == 0.0f;
  if (row_2 < 37u) {
    let o_3: u32 = ((((b * 2u) + h) * 37u) + row_2) * 24u;
    if (oc_in) {
      let y_4: vec4<f32> = acc_4 * inv_l_2;
      y3[o_3 + ((oc * 4u) + 0u)] = select(y_4.x, 0.0f, empty_3);
      y3[o_3 + ((oc * 4u) + 1u)] = select(y_4.y, 0.0f, empty_3);
      y3[o_3 + ((oc * 4u) + 2u)] = select(y_4.z, 0.0f, empty_3);
      y3[o_3 + ((oc * 4u) + 3u)] = select(y_4.w, 0.0f, empty_3);
    }
    if (oc_in_1) {
      let y_5: vec4<f32> = acc_5 * inv_l_2;
      y3[o_3 + ((oc_1 * 4u) + 0u)] = select(y_5.x, 0.0f, empty_3);
      y3[o_3 + ((oc_1 * 4u) + 1u)] = select(y_5.y, 0.0f, empty_3);
      y3[o_3 + ((oc_1 * 4u) + 2u)] = select(y_5.z, 0.0f, empty_3);
      y3[o_3 + ((oc_1 * 4u) + 3u)] = select(y_5.w, 0.0f, empty_3);
    }
  }
  let row_3: u32 = row0 + (or0 + 3u);
  let inv_l_3: f32 = row_alpha[or0 + 3u];
  let empty_4: bool = inv_l_3 == 0.0f;
  if (row_3 < 37u) {
    let o_4: u32 = ((((b * 2u) + h) * 37u) + row_3) * 24u;
    if (oc_in) {
      let y_6: vec4<f32> = acc_6 * inv_l_3;
      y3[o_4 + ((oc * 4u) + 0u)] = select(y_6.x, 0.0f, empty_4);
      y3[o_4 + ((oc * 4u) + 1u)] = select(y_6.y, 0.0f, empty_4);
      y3[o_4 + ((oc * 4u) + 2u)] = select(y_6.z, 0.0f, empty_4);
      y3[o_4 + ((oc * 4u) + 3u)] = select(y_6.w, 0.0f, empty_4);
    }
    if (oc_in_1) {
      let y_7: vec4<f32> = acc_7 * inv_l_3;
      y3[o_4 + ((oc_1 * 4u) + 0u)] = select(y_7.x, 0.0f, empty_4);
      y3[o_4 + ((oc_1 * 4u) + 1u)] = select(y_7.y, 0.0f, empty_4);
      y3[o_4 + ((oc_1 * 4u) + 2u)] = select(y_7.z, 0.0f, empty_4);
      y3[o_4 + ((oc_1 * 4u) + 3u)] = select(y_7.w, 0.0f, empty_4);
    }
  }
}
