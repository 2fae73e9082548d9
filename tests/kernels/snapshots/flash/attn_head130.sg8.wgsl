// ---- launch 1 of 1, grid [18]
// label: attention f32[1, 2, 9, 130]
// params: {}
// kernel attention
// attention: q [1, 2, 9, 130], k [1, 2, 9, 130], v [1, 2, 9, 130] → out [1, 2, 9, 130]
// mask: causal; scale 0.08770580193070293; one workgroup of 64 per query row; keys in chunks of 9

struct Params {
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0: array<f32>;
@group(0) @binding(1) var<storage, read> x1: array<f32>;
@group(0) @binding(2) var<storage, read> x2: array<f32>;
@group(0) @binding(3) var<storage, read_write> y3: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> q_row: array<f32, 130>;
var<workgroup> scores: array<f32, 9>;
var<workgroup> red: array<f32, 64>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let t: u32 = lid.x;
  let row: u32 = wg_linear;
  for (var d: u32 = t; d < 130u; d += 64u) {
    let v: f32 = x0[((((row / 9u) % 2u) * 1170u) + ((row % 9u) * 130u)) + d];
    q_row[d] = v;
  }
  workgroupBarrier();
  let pos_q: i32 = i32(row % 9u) + 0i;
  var m: f32 = -1e+30f;
  var l: f32 = 0.0f;
  var acc: f32 = 0.0f;
  var acc_1: f32 = 0.0f;
  var acc_2: f32 = 0.0f;
  for (var c0: u32 = 0u; c0 < 9u; c0 += 9u) {
    let n: u32 = min(9u, 9u - c0);
    var lmax: f32 = -1e+30f;
    for (var jj: u32 = t; jj < n; jj += 64u) {
      let j: u32 = c0 + jj;
      var s: f32 = -1e+30f;
      let pos_k: i32 = i32(j);
      if (pos_k <= pos_q) {
        var dot: f32 = 0.0f;
        for (var d_1: u32 = 0u; d_1 < 130u; d_1 += 1u) {
          let v_1: f32 = x1[((((row / 9u) % 2u) * 1170u) + (j * 130u)) + d_1];
          dot = fma(q_row[d_1], v_1, dot);
        }
        s = dot * 0.0877058f;
      }
      scores[jj] = s;
      lmax = max(lmax, s);
    }
    red[t] = lmax;
    workgroupBarrier();
    if (t < 32u) {
      red[t] = max(red[t], red[t + 32u]);
    }
    workgroupBarrier();
    if (t < 16u) {
      red[t] = max(red[t], red[t + 16u]);
    }
    workgroupBarrier();
    if (t < 8u) {
      red[t] = max(red[t], red[t + 8u]);
    }
    workgroupBarrier();
    if (t < 4u) {
      red[t] = max(red[t], red[t + 4u]);
    }
    workgroupBarrier();
    if (t < 2u) {
      red[t] = max(red[t], red[t + 2u]);
    }
    workgroupBarrier();
    if (t < 1u) {
      red[t] = max(red[t], red[t + 1u]);
    }
    workgroupBarrier();
    let m_new: f32 = max(m, red[0u]);
    workgroupBarrier();
    var lsum: f32 = 0.0f;
    for (var jj_1: u32 = t; jj_1 < n; jj_1 += 64u) {
      let s_1: f32 = scores[jj_1];
      let p: f32 = select(exp(s_1 - m_new), 0.0f, s_1 <= -5e+29f);
      scores[jj_1] = p;
      lsum = lsum + p;
    }
    red[t] = lsum;
    workgroupBarrier();
    if (t < 32u) {
      red[t] = red[t] + red[t + 32u];
    }
    workgroupBarrier();
    if (t < 16u) {
      red[t] = red[t] + red[t + 16u];
    }
    workgroupBarrier();
    if (t < 8u) {
      red[t] = red[t] + red[t + 8u];
    }
    workgroupBarrier();
    if (t < 4u) {
      red[t] = red[t] + red[t + 4u];
    }
    workgroupBarrier();
    if (t < 2u) {
      red[t] = red[t] + red[t + 2u];
    }
    workgroupBarrier();
    if (t < 1u) {
      red[t] = red[t] + red[t + 1u];
    }
    workgroupBarrier();
    let alpha: f32 = select(exp(m - m_new), 0.0f, m <= -5e+29f);
    l = fma(l, alpha, red[0u]);
    m = m_new;
    acc = acc * alpha;
    acc_1 = acc_1 * alpha;
    acc_2 = acc_2 * alpha;
    for (var jj_2: u32 = 0u; jj_2 < n; jj_2 += 1u) {
      let p_1: f32 = scores[jj_2];
      if (p_1 > 0.0f) {
        let j_1: u32 = c0 + jj_2;
        let v_2: f32 = x2[((((row / 9u) % 2u) * 1170u) + (j_1 * 130u)) + t];
        acc = fma(p_1, v_2, acc);
        let v_3: f32 = x2[((((row / 9u) % 2u) * 1170u) + (j_1 * 130u)) + (t + 64u)];
        acc_1 = fma(p_1, v_3, acc_1);
        if ((t + 128u) < 130u) {
          let v_4: f32 = x2[((((row / 9u) % 2u) * 1170u) + (j_1 * 130u)) + (t + 128u)];
          acc_2 = fma(p_1, v_4, acc_2);
        }
      }
    }
    workgroupBarrier();
  }
  let inv_l: f32 = select(1.0f / l, 0.0f, l == 0.0f);
  if (t < 130u) {
    y3[(row * 130u) + t] = acc * inv_l;
  }
  if ((t + 64u) < 130u) {
    y3[(row * 130u) + (t + 64u)] = acc_1 * inv_l;
  }
  if ((t + 128u) < 130u) {
    y3[(row * 130u) + (t + 128u)] = acc_2 * inv_l;
  }
}
