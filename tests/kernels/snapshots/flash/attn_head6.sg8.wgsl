// ---- launch 1 of 1, grid [2]
// label: attention f32[1, 2, 21, 6] (flash 21×32; causal: unmasked below the diagonal, masked band)
// params: {"head_dim":6,"head_dim_v":6}
// kernel attention_flash
// attention: q [1, 2, 21, 6], k [1, 2, 21, 6], v [1, 2, 21, 6] → out [1, 2, 21, 6]
// flash (online softmax); one workgroup of 21 per (b, h, query tile); keys in chunks of 32; causal: unmasked below the diagonal, masked band

struct Params {
  head_dim: u32,
  head_dim_v: u32,
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0: array<f32>;
@group(0) @binding(1) var<storage, read> x1: array<f32>;
@group(0) @binding(2) var<storage, read> x2: array<f32>;
@group(0) @binding(3) var<storage, read_write> y3: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> k_tile: array<f32, 192>;
var<workgroup> v_tile: array<f32, 192>;
var<workgroup> scores: array<f32, 672>;

@compute @workgroup_size(21, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let t: u32 = lid.x;
  let wg: u32 = wg_linear;
  let qt: u32 = 0u;
  let h: u32 = wg % 2u;
  let b: u32 = wg / 2u;
  let i: u32 = (qt * 21u) + t;
  let live: bool = i < 21u;
  let iq: u32 = min(i, 20u);
  let pos_q: i32 = i32(iq) + 0i;
  var q: f32 = 0.0f;
  var q_1: f32 = 0.0f;
  var q_2: f32 = 0.0f;
  var q_3: f32 = 0.0f;
  var q_4: f32 = 0.0f;
  var q_5: f32 = 0.0f;
  let v: f32 = x0[(h * 126u) + (iq * 6u)];
  q = v;
  let v_1: f32 = x0[((h * 126u) + (iq * 6u)) + 1u];
  q_1 = v_1;
  let v_2: f32 = x0[((h * 126u) + (iq * 6u)) + 2u];
  q_2 = v_2;
  let v_3: f32 = x0[((h * 126u) + (iq * 6u)) + 3u];
  q_3 = v_3;
  let v_4: f32 = x0[((h * 126u) + (iq * 6u)) + 4u];
  q_4 = v_4;
  let v_5: f32 = x0[((h * 126u) + (iq * 6u)) + 5u];
  q_5 = v_5;
  q = q * 0.4082483f;
  q_1 = q_1 * 0.4082483f;
  q_2 = q_2 * 0.4082483f;
  q_3 = q_3 * 0.4082483f;
  q_4 = q_4 * 0.4082483f;
  q_5 = q_5 * 0.4082483f;
  var m: f32 = -1e+30f;
  var l: f32 = 0.0f;
  var acc: f32 = 0.0f;
  var acc_1: f32 = 0.0f;
  var acc_2: f32 = 0.0f;
  var acc_3: f32 = 0.0f;
  var acc_4: f32 = 0.0f;
  var acc_5: f32 = 0.0f;
  let full_end: u32 = u32(clamp((i32(qt * 21u) + 0i) + 1i, 0i, 21i));
  let band_end: u32 = max(full_end, u32(clamp(i32(min((qt * 21u) + 21u, 21u)) + 0i, 0i, 21i)));
  for (var e: u32 = 0u; e < 2u; e += 1u) {
    let band: bool = e == 1u;
    for (var c0: u32 = select(0u, full_end, band); c0 < select(full_end, band_end, band); c0 += 32u) {
      let n: u32 = min(32u, select(full_end, band_end, band) - c0);
      for (var e_1: u32 = t; e_1 < (n * 6u); e_1 += 21u) {
        let v_6: f32 = x1[((h * 126u) + ((c0 + (e_1 / 6u)) * 6u)) + (e_1 % 6u)];
        k_tile[e_1] = v_6;
      }
      for (var e_2: u32 = t; e_2 < (n * 6u); e_2 += 21u) {
        let v_7: f32 = x2[((h * 126u) + ((c0 + (e_2 / 6u)) * 6u)) + (e_2 % 6u)];
        v_tile[e_2] = v_7;
      }
      workgroupBarrier();
      let so: u32 = t * 32u;
      var mx: f32 = -1e+30f;
      if (band) {
        for (var jj: u32 = 0u; jj < n; jj += 1u) {
          let ko: u32 = jj * 6u;
          var dot: f32 = 0.0f;
          dot = fma(q, k_tile[ko + 0u], dot);
          dot = fma(q_1, k_tile[ko + 1u], dot);
          dot = fma(q_2, k_tile[ko + 2u], dot);
          dot = fma(q_3, k_tile[ko + 3u], dot);
          dot = fma(q_4, k_tile[ko + 4u], dot);
          dot = fma(q_5, k_tile[ko + 5u], dot);
          let ok: bool = i32(c0 + jj) <= pos_q;
          let s: f32 = select(-1e+30f, dot, ok);
          scores[so + jj] = s;
          mx = max(mx, s);
        }
      } else {
        for (var jj_1: u32 = 0u; jj_1 < n; jj_1 += 1u) {
          let ko_1: u32 = jj_1 * 6u;
          var dot_1: f32 = 0.0f;
          dot_1 = fma(q, k_tile[ko_1 + 0u], dot_1);
          dot_1 = fma(q_1, k_tile[ko_1 + 1u], dot_1);
          dot_1 = fma(q_2, k_tile[ko_1 + 2u], dot_1);
          dot_1 = fma(q_3, k_tile[ko_1 + 3u], dot_1);
          dot_1 = fma(q_4, k_tile[ko_1 + 4u], dot_1);
          dot_1 = fma(q_5, k_tile[ko_1 + 5u], dot_1);
          let s_1: f32 = dot_1;
          scores[so + jj_1] = s_1;
          mx = max(mx, s_1);
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
      for (var jj_2: u32 = 0u; jj_2 < n; jj_2 += 1u) {
        let s_2: f32 = scores[so + jj_2];
        let p: f32 = select(exp(s_2 - m_new), 0.0f, s_2 <= -5e+29f);
        l = l + p;
        let vo: u32 = jj_2 * 6u;
        acc = fma(p, v_tile[vo + 0u], acc);
        acc_1 = fma(p, v_tile[vo + 1u], acc_1);
        acc_2 = fma(p, v_tile[vo + 2u], acc_2);
        acc_3 = fma(p, v_tile[vo + 3u], acc_3);
        acc_4 = fma(p, v_tile[vo + 4u], acc_4);
        acc_5 = fma(p, v_tile[vo + 5u], acc_5);
      }
      m = m_new;
      workgroupBarrier();
    }
  }
  let empty: bool = l == 0.0f;
  let inv_l: f32 = select(1.0f / l, 0.0f, empty);
  if (live) {
    let o: u32 = ((((b * 2u) + h) * 21u) + i) * 6u;
    y3[o + 0u] = select(acc * inv_l, 0.0f, empty);
    y3[o + 1u] = select(acc_1 * inv_l, 0.0f, empty);
    y3[o + 2u] = select(acc_2 * inv_l, 0.0f, empty);
    y3[o + 3u] = select(acc_3 * inv_l, 0.0f, empty);
    y3[o + 4u] = select(acc_4 * inv_l, 0.0f, empty);
    y3[o + 5u] = select(acc_5 * inv_l, 0.0f, empty);
  }
}
