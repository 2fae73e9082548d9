// ---- launch 1 of 1, grid [4]
// label: attention f32[1, 2, 37, 32] (flash rows 32×32, 1 rows per invocation, K/V shared among 8 subgroup lanes; causal: unmasked below the diagonal, masked band)
// params: {"head_groups":8,"key_groups":8}
// kernel attention_flash
// attention: q [1, 2, 37, 32], k [1, 2, 37, 32], v [1, 2, 37, 32] → out [1, 2, 37, 32]
// flash, subgroup rows: one workgroup of 32 per (b, h, 32-row query tile), 1 rows per invocation, K/V rows shared among 8 lanes; keys in chunks of 32; causal: unmasked below the diagonal, masked band

enable subgroups;

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

var<workgroup> k_tile: array<vec4<f32>, 256>;

@compute @workgroup_size(32, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) sg_lane: u32) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  var q_rows: array<vec4<f32>, 8>;
  var p_rows: array<vec4<f32>, 8>;
  let t: u32 = lid.x;
  let wg: u32 = wg_linear;
  let qt: u32 = wg % 2u;
  let h: u32 = (wg / 2u) % 2u;
  let b: u32 = wg / 4u;
  let row0: u32 = qt * 32u;
  for (var i: u32 = 0u; i < 1u; i += 1u) {
    let j: u32 = min(row0 + (t + (i * 32u)), 36u);
    for (var g: u32 = 0u; g < params.head_groups; g += 1u) {
      q_rows[(i * 8u) + g] = x0_v4[(((((b * 2u) + h) * 37u) + j) * 8u) + g] * 0.17677669f;
    }
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
  let pos_q: i32 = i32(row0 + t) + 0i;
  let full_end: u32 = u32(clamp((i32(row0) + 0i) + 1i, 0i, 37i));
  let band_end: u32 = max(full_end, u32(clamp(i32(min(row0 + 32u, 37u)) + 0i, 0i, 37i)));
  for (var e: u32 = 0u; e < 2u; e += 1u) {
    let band: bool = e == 1u;
    for (var c0: u32 = select(0u, full_end, band); c0 < select(full_end, band_end, band); c0 += 32u) {
      let n: u32 = min(32u, select(full_end, band_end, band) - c0);
      for (var e_1: u32 = t; e_1 < 256u; e_1 += 32u) {
        let j_1: u32 = min(c0 + (e_1 / 8u), 36u);
        k_tile[e_1] = x1_v4[(((((b * 2u) + h) * 37u) + j_1) * 8u) + (e_1 % 8u)];
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
      for (var g_1: u32 = 0u; g_1 < params.head_groups; g_1 += 1u) {
        let qv: vec4<f32> = q_rows[(0u * 8u) + g_1];
        let km: vec4<f32> = k_tile[((sg_lane_1 + 0u) * 8u) + g_1];
        let km_1: vec4<f32> = k_tile[((sg_lane_1 + 8u) * 8u) + g_1];
        let km_2: vec4<f32> = k_tile[((sg_lane_1 + 16u) * 8u) + g_1];
        let km_3: vec4<f32> = k_tile[((sg_lane_1 + 24u) * 8u) + g_1];
        let kv: vec4<f32> = subgroupBroadcast(km, 0u);
        s = fma(qv.w, kv.w, fma(qv.z, kv.z, fma(qv.y, kv.y, fma(qv.x, kv.x, s))));
        let kv_1: vec4<f32> = subgroupBroadcast(km, 1u);
        s_1 = fma(qv.w, kv_1.w, fma(qv.z, kv_1.z, fma(qv.y, kv_1.y, fma(qv.x, kv_1.x, s_1))));
        let kv_2: vec4<f32> = subgroupBroadcast(km, 2u);
        s_2 = fma(qv.w, kv_2.w, fma(qv.z, kv_2.z, fma(qv.y, kv_2.y, fma(qv.x, kv_2.x, s_2))));
        let kv_3: vec4<f32> = subgroupBroadcast(km, 3u);
        s_3 = fma(qv.w, kv_3.w, fma(qv.z, kv_3.z, fma(qv.y, kv_3.y, fma(qv.x, kv_3.x, s_3))));
        let kv_4: vec4<f32> = subgroupBroadcast(km, 4u);
        s_4 = fma(qv.w, kv_4.w, fma(qv.z, kv_4.z, fma(qv.y, kv_4.y, fma(qv.x, kv_4.x, s_4))));
        let kv_5: vec4<f32> = subgroupBroadcast(km, 5u);
        s_5 = fma(qv.w, kv_5.w, fma(qv.z, kv_5.z, fma(qv.y, kv_5.y, fma(qv.x, kv_5.x, s_5))));
        let kv_6: vec4<f32> = subgroupBroadcast(km, 6u);
        s_6 = fma(qv.w, kv_6.w, fma(qv.z, kv_6.z, fma(qv.y, kv_6.y, fma(qv.x, kv_6.x, s_6))));
        let kv_7: vec4<f32> = subgroupBroadcast(km, 7u);
        s_7 = fma(qv.w, kv_7.w, fma(qv.z, kv_7.z, fma(qv.y, kv_7.y, fma(qv.x, kv_7.x, s_7))));
        let kv_8: vec4<f32> = subgroupBroadcast(km_1, 0u);
        s_8 = fma(qv.w, kv_8.w, fma(qv.z, kv_8.z, fma(qv.y, kv_8.y, fma(qv.x, kv_8.x, s_8))));
        let kv_9: vec4<f32> = subgroupBroadcast(km_1, 1u);
        s_9 = fma(qv.w, kv_9.w, fma(qv.z, kv_9.z, fma(qv.y, kv_9.y, fma(qv.x, kv_9.x, s_9))));
        let kv_10: vec4<f32> = subgroupBroadcast(km_1, 2u);
        s_10 = fma(qv.w, kv_10.w, fma(qv.z, kv_10.z, fma(qv.y, kv_10.y, fma(qv.x, kv_10.x, s_10))));
        let kv_11: vec4<f32> = subgroupBroadcast(km_1, 3u);
        s_11 = fma(qv.w, kv_11.w, fma(qv.z, kv_11.z, fma(qv.y, kv_11.y, fma(qv.x, kv_11.x, s_11))));
        let kv_12: vec4<f32> = subgroupBroadcast(km_1, 4u);
        s_12 = fma(qv.w, kv_12.w, fma(qv.z, kv_12.z, fma(qv.y, kv_12.y, fma(qv.x, kv_12.x, s_12))));
        let kv_13: vec4<f32> = subgroupBroadcast(km_1, 5u);
        s_13 = fma(qv.w, kv_13.w, fma(qv.z, kv_13.z, fma(qv.y, kv_13.y, fma(qv.x, kv_13.x, s_13))));
        let kv_14: vec4<f32> = subgroupBroadcast(km_1, 6u);
        s_14 = fma(qv.w, kv_14.w, fma(qv.z, kv_14.z, fma(qv.y, kv_14.y, fma(qv.x, kv_14.x, s_14))));
        let kv_15: vec4<f32> = subgroupBroadcast(km_1, 7u);
        s_15 = fma(qv.w, kv_15.w, fma(qv.z, kv_15.z, fma(qv.y, kv_15.y, fma(qv.x, kv_15.x, s_15))));
        let kv_16: vec4<f32> = subgroupBroadcast(km_2, 0u);
        s_16 = fma(qv.w, kv_16.w, fma(qv.z, kv_16.z, fma(qv.y, kv_16.y, fma(qv.x, kv_16.x, s_16))));
        let kv_17: vec4<f32> = subgroupBroadcast(km_2, 1u);
        s_17 = fma(qv.w, kv_17.w, fma(qv.z, kv_17.z, fma(qv.y, kv_17.y, fma(qv.x, kv_17.x, s_17))));
        let kv_18: vec4<f32> = subgroupBroadcast(km_2, 2u);
        s_18 = fma(qv.w, kv_18.w, fma(qv.z, kv_18.z, fma(qv.y, kv_18.y, fma(qv.x, kv_18.x, s_18))));
        let kv_19: vec4<f32> = subgroupBroadcast(km_2, 3u);
        s_19 = fma(qv.w, kv_19.w, fma(qv.z, kv_19.z, fma(qv.y, kv_19.y, fma(qv.x, kv_19.x, s_19))));
        let kv_20: vec4<f32> = subgroupBroadcast(km_2, 4u);
        s_20 = fma(qv.w, kv_20.w, fma(qv.z, kv_20.z, fma(qv.y, kv_20.y, fma(qv.x, kv_20.x, s_20))));
        let kv_21: vec4<f32> = subgroupBroadcast(km_2, 5u);
        s_21 = fma(qv.w, kv_21.w, fma(qv.z, kv_21.z, fma(qv.y, kv_21.y, fma(qv.x, kv_21.x, s_21))));
        let kv_22: vec4<f32> = subgroupBroadcast(km_2, 6u);
        s_22 = fma(qv.w, kv_22.w, fma(qv.z, kv_22.z, fma(qv.y, kv_22.y, fma(qv.x, kv_22.x, s_22))));
        let kv_23: vec4<f32> = subgroupBroadcast(km_2, 7u);
        s_23 = fma(qv.w, kv_23.w, fma(qv.z, kv_23.z, fma(qv.y, kv_23.y, fma(qv.x, kv_23.x, s_23))));
        let kv_24: vec4<f32> = subgroupBroadcast(km_3, 0u);
        s_24 = fma(qv.w, kv_24.w, fma(qv.z, kv_24.z, fma(qv.y, kv_24.y, fma(qv.x, kv_24.x, s_24))));
        let kv_25: vec4<f32> = subgroupBroadcast(km_3, 1u);
        s_25 = fma(qv.w, kv_25.w, fma(qv.z, kv_25.z, fma(qv.y, kv_25.y, fma(qv.x, kv_25.x, s_25))));
        let kv_26: vec4<f32> = subgroupBroadcast(km_3, 2u);
        s_26 = fma(qv.w, kv_26.w, fma(qv.z, kv_26.z, fma(qv.y, kv_26.y, fma(qv.x, kv_26.x, s_26))));
        let kv_27: vec4<f32> = subgroupBroadcast(km_3, 3u);
        s_27 = fma(qv.w, kv_27.w, fma(qv.z, kv_27.z, fma(qv.y, kv_27.y, fma(qv.x, kv_27.x, s_27))));
        let kv_28: vec4<f32> = subgroupBroadcast(km_3, 4u);
        s_28 = fma(qv.w, kv_28.w, fma(qv.z, kv_28.z, fma(qv.y, kv_28.y, fma(qv.x, kv_28.x, s_28))));
        let kv_29: vec4<f32> = subgroupBroadcast(km_3, 5u);
        s_29 = fma(qv.w, kv_29.w, fma(qv.z, kv_29.z, fma(qv.y, kv_29.y, fma(qv.x, kv_29.x, s_29))));
        let kv_30: vec4<f32> = subgroupBroadcast(km_3, 6u);
        s_30 = fma(qv.w, kv_30.w, fma(qv.z, kv_30.z, fma(qv.y, kv_30.y, fma(qv.x, kv_30.x, s_30))));
        let kv_31: vec4<f32> = subgroupBroadcast(km_3, 7u);
        s_31 = fma(qv.w, kv_31.w, fma(qv.z, kv_31.z, fma(qv.y, kv_31.y, fma(qv.x, kv_31.x, s_31))));
      }
      let in_chunk: bool = 0u < n;
      let in_chunk_1: bool = 1u < n;
      let in_chunk_2: bool = 2u < n;
      let in_chunk_3: bool = 3u < n;
      let in_chunk_4: bool = 4u < n;
      let in_chunk_5: bool = 5u < n;
      let in_chunk_6: bool = 6u < n;
      let in_chunk_7: bool = 7u < n;
      let in_chunk_8: bool = 8u < n;
      let in_chunk_9: bool = 9u < n;
      let in_chunk_10: bool = 10u < n;
      let in_chunk_11: bool = 11u < n;
      let in_chunk_12: bool = 12u < n;
      let in_chunk_13: bool = 13u < n;
      let in_chunk_14: bool = 14u < n;
      let in_chunk_15: bool = 15u < n;
      let in_chunk_16: bool = 16u < n;
      let in_chunk_17: bool = 17u < n;
      let in_chunk_18: bool = 18u < n;
      let in_chunk_19: bool = 19u < n;
      let in_chunk_20: bool = 20u < n;
      let in_chunk_21: bool = 21u < n;
      let in_chunk_22: bool = 22u < n;
      let in_chunk_23: bool = 23u < n;
      let in_chunk_24: bool = 24u < n;
      let in_chunk_25: bool = 25u < n;
      let in_chunk_26: bool = 26u < n;
      let in_chunk_27: bool = 27u < n;
      let in_chunk_28: bool = 28u < n;
      let in_chunk_29: bool = 29u < n;
      let in_chunk_30: bool = 30u < n;
      let in_chunk_31: bool = 31u < n;
      let ok: bool = in_chunk && ((!band) || (i32(c0 + 0u) <= pos_q));
      let ok_1: bool = in_chunk_1 && ((!band) || (i32(c0 + 1u) <= pos_q));
      let ok_2: bool = in_chunk_2 && ((!band) || (i32(c0 + 2u) <= pos_q));
      let ok_3: bool = in_chunk_3 && ((!band) || (i32(c0 + 3u) <= pos_q));
      let ok_4: bool = in_chunk_4 && ((!band) || (i32(c0 + 4u) <= pos_q));
      let ok_5: bool = in_chunk_5 && ((!band) || (i32(c0 + 5u) <= pos_q));
      let ok_6: bool = in_chunk_6 && ((!band) || (i32(c0 + 6u) <= pos_q));
      let ok_7: bool = in_chunk_7 && ((!band) || (i32(c0 + 7u) <= pos_q));
      let ok_8: bool = in_chunk_8 && ((!band) || (i32(c0 + 8u) <= pos_q));
      let ok_9: bool = in_chunk_9 && ((!band) || (i32(c0 + 9u) <= pos_q));
      let ok_10: bool = in_chunk_10 && ((!band) || (i32(c0 + 10u) <= pos_q));
      let ok_11: bool = in_chunk_11 && ((!band) || (i32(c0 + 11u) <= pos_q));
      let ok_12: bool = in_chunk_12 && ((!band) || (i32(c0 + 12u) <= pos_q));
      let ok_13: bool = in_chunk_13 && ((!band) || (i32(c0 + 13u) <= pos_q));
      let ok_14: bool = in_chunk_14 && ((!band) || (i32(c0 + 14u) <= pos_q));
      let ok_15: bool = in_chunk_15 && ((!band) || (i32(c0 + 15u) <= pos_q));
      let ok_16: bool = in_chunk_16 && ((!band) || (i32(c0 + 16u) <= pos_q));
      let ok_17: bool = in_chunk_17 && ((!band) || (i32(c0 + 17u) <= pos_q));
      let ok_18: bool = in_chunk_18 && ((!band) || (i32(c0 + 18u) <= pos_q));
      let ok_19: bool = in_chunk_19 && ((!band) || (i32(c0 + 19u) <= pos_q));
      let ok_20: bool = in_chunk_20 && ((!band) || (i32(c0 + 20u) <= pos_q));
      let ok_21: bool = in_chunk_21 && ((!band) || (i32(c0 + 21u) <= pos_q));
      let ok_22: bool = in_chunk_22 && ((!band) || (i32(c0 + 22u) <= pos_q));
      let ok_23: bool = in_chunk_23 && ((!band) || (i32(c0 + 23u) <= pos_q));
      let ok_24: bool = in_chunk_24 && ((!band) || (i32(c0 + 24u) <= pos_q));
      let ok_25: bool = in_chunk_25 && ((!band) || (i32(c0 + 25u) <= pos_q));
      let ok_26: bool = in_chunk_26 && ((!band) || (i32(c0 + 26u) <= pos_q));
      let ok_27: bool = in_chunk_27 && ((!band) || (i32(c0 + 27u) <= pos_q));
      let ok_28: bool = in_chunk_28 && ((!band) || (i32(c0 + 28u) <= pos_q));
      let ok_29: bool = in_chunk_29 && ((!band) || (i32(c0 + 29u) <= pos_q));
      let ok_30: bool = in_chunk_30 && ((!band) || (i32(c0 + 30u) <= pos_q));
      let ok_31: bool = in_chunk_31 && ((!band) || (i32(c0 + 31u) <= pos_q));
      let m_new: f32 = max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(max(m_row, select(-1e+30f, s, ok)), select(-1e+30f, s_1, ok_1)), select(-1e+30f, s_2, ok_2)), select(-1e+30f, s_3, ok_3)), select(-1e+30f, s_4, ok_4)), select(-1e+30f, s_5, ok_5)), select(-1e+30f, s_6, ok_6)), select(-1e+30f, s_7, ok_7)), select(-1e+30f, s_8, ok_8)), select(-1e+30f, s_9, ok_9)), select(-1e+30f, s_10, ok_10)), select(-1e+30f, s_11, ok_11)), select(-1e+30f, s_12, ok_12)), select(-1e+30f, s_13, ok_13)), select(-1e+30f, s_14, ok_14)), select(-1e+30f, s_15, ok_15)), select(-1e+30f, s_16, ok_16)), select(-1e+30f, s_17, ok_17)), select(-1e+30f, s_18, ok_18)), select(-1e+30f, s_19, ok_19)), select(-1e+30f, s_20, ok_20)), select(-1e+30f, s_21, ok_21)), select(-1e+30f, s_22, ok_22)), select(-1e+30f, s_23, ok_23)), select(-1e+30f, s_24, ok_24)), select(-1e+30f, s_25, ok_25)), select(-1e+30f, s_26, ok_26)), select(-1e+30f, s_27, ok_27)), select(-1e+30f, s_28, ok_28)), select(-1e+30f, s_29, ok_29)), select(-1e+30f, s_30, ok_30)), select(-1e+30f, s_31, ok_31));
      let alpha: f32 = select(0.0f, exp(m_row - m_new), m_row > -5e+29f);
      let p: f32 = select(0.0f, exp(s - m_new), ok);
      let p_1: f32 = select(0.0f, exp(s_1 - m_new), ok_1);
      let p_2: f32 = select(0.0f, exp(s_2 - m_new), ok_2);
      let p_3: f32 = select(0.0f, exp(s_3 - m_new), ok_3);
      let p_4: f32 = select(0.0f, exp(s_4 - m_new), ok_4);
      let p_5: f32 = select(0.0f, exp(s_5 - m_new), ok_5);
      let p_6: f32 = select(0.0f, exp(s_6 - m_new), ok_6);
      let p_7: f32 = select(0.0f, exp(s_7 - m_new), ok_7);
      let p_8: f32 = select(0.0f, exp(s_8 - m_new), ok_8);
      let p_9: f32 = select(0.0f, exp(s_9 - m_new), ok_9);
      let p_10: f32 = select(0.0f, exp(s_10 - m_new), ok_10);
      let p_11: f32 = select(0.0f, exp(s_11 - m_new), ok_11);
      let p_12: f32 = select(0.0f, exp(s_12 - m_new), ok_12);
      let p_13: f32 = select(0.0f, exp(s_13 - m_new), ok_13);
      let p_14: f32 = select(0.0f, exp(s_14 - m_new), ok_14);
      let p_15: f32 = select(0.0f, exp(s_15 - m_new), ok_15);
      let p_16: f32 = select(0.0f, exp(s_16 - m_new), ok_16);
      let p_17: f32 = select(0.0f, exp(s_17 - m_new), ok_17);
      let p_18: f32 = select(0.0f, exp(s_18 - m_new), ok_18);
      let p_19: f32 = select(0.0f, exp(s_19 - m_new), ok_19);
      let p_20: f32 = select(0.0f, exp(s_20 - m_new), ok_20);
      let p_21: f32 = select(0.0f, exp(s_21 - m_new), ok_21);
      let p_22: f32 = select(0.0f, exp(s_22 - m_new), ok_22);
      let p_23: f32 = select(0.0f, exp(s_23 - m_new), ok_23);
      let p_24: f32 = select(0.0f, exp(s_24 - m_new), ok_24);
      let p_25: f32 = select(0.0f, exp(s_25 - m_new), ok_25);
      let p_26: f32 = select(0.0f, exp(s_26 - m_new), ok_26);
      let p_27: f32 = select(0.0f, exp(s_27 - m_new), ok_27);
      let p_28: f32 = select(0.0f, exp(s_28 - m_new), ok_28);
      let p_29: f32 = select(0.0f, exp(s_29 - m_new), ok_29);
      let p_30: f32 = select(0.0f, exp(s_30 - m_new), ok_30);
      let p_31: f32 = select(0.0f, exp(s_31 - m_new), ok_31);
      l_row = fma(l_row, alpha, (((((((0.0f + ((p + p_1) + (p_2 + p_3))) + ((p_4 + p_5) + (p_6 + p_7))) + ((p_8 + p_9) + (p_10 + p_11))) + ((p_12 + p_13) + (p_14 + p_15))) + ((p_16 + p_17) + (p_18 + p_19))) + ((p_20 + p_21) + (p_22 + p_23))) + ((p_24 + p_25) + (p_26 + p_27))) + ((p_28 + p_29) + (p_30 + p_31)));
      m_row = m_new;
      acc_row = acc_row * alpha;
      acc_row_1 = acc_row_1 * alpha;
      acc_row_2 = acc_row_2 * alpha;
      acc_row_3 = acc_row_3 * alpha;
      acc_row_4 = acc_row_4 * alpha;
      acc_row_5 = acc_row_5 * alpha;
      acc_row_6 = acc_row_6 * alpha;
      acc_row_7 = acc_row_7 * alpha;
      p_rows[(0u * 8u) + 0u] = vec4<f32>(p, p_1, p_2, p_3);
      p_rows[(0u * 8u) + 1u] = vec4<f32>(p_4, p_5, p_6, p_7);
      p_rows[(0u * 8u) + 2u] = vec4<f32>(p_8, p_9, p_10, p_11);
      p_rows[(0u * 8u) + 3u] = vec4<f32>(p_12, p_13, p_14, p_15);
      p_rows[(0u * 8u) + 4u] = vec4<f32>(p_16, p_17, p_18, p_19);
      p_rows[(0u * 8u) + 5u] = vec4<f32>(p_20, p_21, p_22, p_23);
      p_rows[(0u * 8u) + 6u] = vec4<f32>(p_24, p_25, p_26, p_27);
      p_rows[(0u * 8u) + 7u] = vec4<f32>(p_28, p_29, p_30, p_31);
      for (var kg: u32 = 0u; kg < params.key_groups; kg += 1u) {
        let pv: vec4<f32> = p_rows[(0u * 8u) + kg];
        let key: u32 = min(c0 + ((kg * 4u) + 0u), 36u);
        let vm: vec4<f32> = x2_v4[(((((b * 2u) + h) * 37u) + key) * 8u) + (sg_lane_1 + 0u)];
        let key_1: u32 = min(c0 + ((kg * 4u) + 1u), 36u);
        let vm_1: vec4<f32> = x2_v4[(((((b * 2u) + h) * 37u) + key_1) * 8u) + (sg_lane_1 + 0u)];
        let key_2: u32 = min(c0 + ((kg * 4u) + 2u), 36u);
        let vm_2: vec4<f32> = x2_v4[(((((b * 2u) + h) * 37u) + key_2) * 8u) + (sg_lane_1 + 0u)];
        let key_3: u32 = min(c0 + ((kg * 4u) + 3u), 36u);
        let vm_3: vec4<f32> = x2_v4[(((((b * 2u) + h) * 37u) + key_3) * 8u) + (sg_lane_1 + 0u)];
        let vb: vec4<f32> = subgroupBroadcast(vm, 0u);
        let vb_1: vec4<f32> = subgroupBroadcast(vm_1, 0u);
        let vb_2: vec4<f32> = subgroupBroadcast(vm_2, 0u);
        let vb_3: vec4<f32> = subgroupBroadcast(vm_3, 0u);
        acc_row = fma(vec4<f32>(pv.w), vb_3, fma(vec4<f32>(pv.z), vb_2, fma(vec4<f32>(pv.y), vb_1, fma(vec4<f32>(pv.x), vb, acc_row))));
        let vb_4: vec4<f32> = subgroupBroadcast(vm, 1u);
        let vb_5: vec4<f32> = subgroupBroadcast(vm_1, 1u);
        let vb_6: vec4<f32> = subgroupBroadcast(vm_2, 1u);
        let vb_7: vec4<f32> = subgroupBroadcast(vm_3, 1u);
        acc_row_1 = fma(vec4<f32>(pv.w), vb_7, fma(vec4<f32>(pv.z), vb_6, fma(vec4<f32>(pv.y), vb_5, fma(vec4<f32>(pv.x), vb_4, acc_row_1))));
        let vb_8: vec4<f32> = subgroupBroadcast(vm, 2u);
        let vb_9: vec4<f32> = subgroupBroadcast(vm_1, 2u);
        let vb_10: vec4<f32> = subgroupBroadcast(vm_2, 2u);
        let vb_11: vec4<f32> = subgroupBroadcast(vm_3, 2u);
        acc_row_2 = fma(vec4<f32>(pv.w), vb_11, fma(vec4<f32>(pv.z), vb_10, fma(vec4<f32>(pv.y), vb_9, fma(vec4<f32>(pv.x), vb_8, acc_row_2))));
        let vb_12: vec4<f32> = subgroupBroadcast(vm, 3u);
        let vb_13: vec4<f32> = subgroupBroadcast(vm_1, 3u);
        let vb_14: vec4<f32> = subgroupBroadcast(vm_2, 3u);
        let vb_15: vec4<f32> = subgroupBroadcast(vm_3, 3u);
        acc_row_3 = fma(vec4<f32>(pv.w), vb_15, fma(vec4<f32>(pv.z), vb_14, fma(vec4<f32>(pv.y), vb_13, fma(vec4<f32>(pv.x), vb_12, acc_row_3))));
        let vb_16: vec4<f32> = subgroupBroadcast(vm, 4u);
        let vb_17: vec4<f32> = subgroupBroadcast(vm_1, 4u);
        let vb_18: vec4<f32> = subgroupBroadcast(vm_2, 4u);
        let vb_19: vec4<f32> = subgroupBroadcast(vm_3, 4u);
        acc_row_4 = fma(vec4<f32>(pv.w), vb_19, fma(vec4<f32>(pv.z), vb_18, fma(vec4<f32>(pv.y), vb_17, fma(vec4<f32>(pv.x), vb_16, acc_row_4))));
        let vb_20: vec4<f32> = subgroupBroadcast(vm, 5u);
        let vb_21: vec4<f32> = subgroupBroadcast(vm_1, 5u);
        let vb_22: vec4<f32> = subgroupBroadcast(vm_2, 5u);
        let vb_23: vec4<f32> = subgroupBroadcast(vm_3, 5u);
        acc_row_5 = fma(vec4<f32>(pv.w), vb_23, fma(vec4<f32>(pv.z), vb_22, fma(vec4<f32>(pv.y), vb_21, fma(vec4<f32>(pv.x), vb_20, acc_row_5))));
        let vb_24: vec4<f32> = subgroupBroadcast(vm, 6u);
        let vb_25: vec4<f32> = subgroupBroadcast(vm_1, 6u);
        let vb_26: vec4<f32> = subgroupBroadcast(vm_2, 6u);
        let vb_27: vec4<f32> = subgroupBroadcast(vm_3, 6u);
        acc_row_6 = fma(vec4<f32>(pv.w), vb_27, fma(vec4<f32>(pv.z), vb_26, fma(vec4<f32>(pv.y), vb_25, fma(vec4<f32>(pv.x), vb_24, acc_row_6))));
        let vb_28: vec4<f32> = subgroupBroadcast(vm, 7u);
        let vb_29: vec4<f32> = subgroupBroadcast(vm_1, 7u);
        let vb_30: vec4<f32> = subgroupBroadcast(vm_2, 7u);
        let vb_31: vec4<f32> = subgroupBroadcast(vm_3, 7u);
        acc_row_7 = fma(vec4<f32>(pv.w), vb_31, fma(vec4<f32>(pv.z), vb_30, fma(vec4<f32>(pv.y), vb_29, fma(vec4<f32>(pv.x), vb_28, acc_row_7))));
      }
      workgroupBarrier();
    }
  }
  let row: u32 = row0 + t;
  let empty: bool = l_row == 0.0f;
  let inv_l: f32 = select(1.0f / l_row, 0.0f, empty);
  if (row < 37u) {
    let o: u32 = ((((b * 2u) + h) * 37u) + row) * 32u;
    let y: vec4<f32> = acc_row * inv_l;
    y3[o + 0u] = select(y.x, 0.0f, empty);
    y3[o + 1u] = select(y.y, 0.0f, empty);
    y3[o + 2u] = select(y.z, 0.0f, empty);
    y3[o + 3u] = select(y.w, 0.0f, empty);
    let y_1: vec4<f32> = acc_row_1 * inv_l;
    y3[o + 4u] = select(y_1.x, 0.0f, empty);
    y3[o + 5u] = select(y_1.y, 0.0f, empty);
    y3[o + 6u] = select(y_1.z, 0.0f, empty);
    y3[o + 7u] = select(y_1.w, 0.0f, empty);
    let y_2: vec4<f32> = acc_row_2 * inv_l;
    y3[o + 8u] = select(y_2.x, 0.0f, empty);
    y3[o + 9u] = select(y_2.y, 0.0f, empty);
    y3[o + 10u] = select(y_2.z, 0.0f, empty);
    y3[o + 11u] = select(y_2.w, 0.0f, empty);
    let y_3: vec4<f32> = acc_row_3 * inv_l;
    y3[o + 12u] = select(y_3.x, 0.0f, empty);
    y3[o + 13u] = select(y_3.y, 0.0f, empty);
    y3[o + 14u] = select(y_3.z, 0.0f, empty);
    y3[o + 15u] = select(y_3.w, 0.0f, empty);
    let y_4: vec4<f32> = acc_row_4 * inv_l;
    y3[o + 16u] = select(y_4.x, 0.0f, empty);
    y3[o + 17u] = select(y_4.y, 0.0f, empty);
    y3[o + 18u] = select(y_4.z, 0.0f, empty);
    y3[o + 19u] = select(y_4.w, 0.0f, empty);
    let y_5: vec4<f32> = acc_row_5 * inv_l;
    y3[o + 20u] = select(y_5.x, 0.0f, empty);
    y3[o + 21u] = select(y_5.y, 0.0f, empty);
    y3[o + 22u] = select(y_5.z, 0.0f, empty);
    y3[o + 23u] = select(y_5.w, 0.0f, empty);
    let y_6: vec4<f32> = acc_row_6 * inv_l;
    y3[o + 24u] = select(y_6.x, 0.0f, empty);
    y3[o + 25u] = select(y_6.y, 0.0f, empty);
    y3[o + 26u] = select(y_6.z, 0.0f, empty);
    y3[o + 27u] = select(y_6.w, 0.0f, empty);
    let y_7: vec4<f32> = acc_row_7 * inv_l;
    y3[o + 28u] = select(y_7.x, 0.0f, empty);
    y3[o + 29u] = select(y_7.y, 0.0f, empty);
    y3[o + 30u] = select(y_7.z, 0.0f, empty);
    y3[o + 31u] = select(y_7.w, 0.0f, empty);
  }
}
