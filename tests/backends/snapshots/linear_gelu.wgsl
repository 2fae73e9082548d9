// ---- launch 1 of 1, grid [4]
// kernel matmul
// matmul (b transposed): a f32[2, 7, 24] × b f32[33, 24] → f32[2, 7, 33]
// M=7 N=33 K=24, batch 2 (a 2, b 1); 4×4 outputs per invocation, workgroup 8×8;
// a vec4 loads, b vec4 loads; epilogue → mul f32[2, 7, 33]

struct Params {
  k_groups: u32,
  grid_x: u32,
  grid_fold_x: u32,
}

@group(0) @binding(0) var<storage, read> x0_v4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> x1_v4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y2: array<f32>;
@group(0) @binding(3) var<storage, read> x3: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  let wg_linear = wid.x + wid.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  let w: u32 = wg_linear;
  let bat: u32 = w / 2u;
  let tile: u32 = w % 2u;
  let bm: u32 = ((tile / 2u) * 8u) + lid.y;
  let bn: u32 = ((tile % 2u) * 8u) + lid.x;
  if ((bm >= 2u) || (bn >= 9u)) {
    return;
  }
  let m0: u32 = bm * 4u;
  let n0: u32 = bn * 4u;
  let abase: u32 = bat * 42u;
  let ar0: u32 = min(m0, 6u);
  let aoff0: u32 = abase + (ar0 * 6u);
  let ar1: u32 = min(m0 + 1u, 6u);
  let aoff1: u32 = abase + (ar1 * 6u);
  let ar2: u32 = min(m0 + 2u, 6u);
  let aoff2: u32 = abase + (ar2 * 6u);
  let ar3: u32 = min(m0 + 3u, 6u);
  let aoff3: u32 = abase + (ar3 * 6u);
  let bbase: u32 = 0u;
  let br0: u32 = min(n0, 32u);
  let boff0: u32 = bbase + (br0 * 6u);
  let br1: u32 = min(n0 + 1u, 32u);
  let boff1: u32 = bbase + (br1 * 6u);
  let br2: u32 = min(n0 + 2u, 32u);
  let boff2: u32 = bbase + (br2 * 6u);
  let br3: u32 = min(n0 + 3u, 32u);
  let boff3: u32 = bbase + (br3 * 6u);
  var acc0: vec4<f32>;
  var acc1: vec4<f32>;
  var acc2: vec4<f32>;
  var acc3: vec4<f32>;
  for (var kq: u32 = 0u; kq < params.k_groups; kq += 1u) {
    let a0: vec4<f32> = x0_v4[aoff0 + kq];
    let a1: vec4<f32> = x0_v4[aoff1 + kq];
    let a2: vec4<f32> = x0_v4[aoff2 + kq];
    let a3: vec4<f32> = x0_v4[aoff3 + kq];
    let b0: vec4<f32> = x1_v4[boff0 + kq];
    let b1: vec4<f32> = x1_v4[boff1 + kq];
    let b2: vec4<f32> = x1_v4[boff2 + kq];
    let b3: vec4<f32> = x1_v4[boff3 + kq];
    acc0 = acc0 + (a0.x * vec4<f32>(b0.x, b1.x, b2.x, b3.x));
    acc0 = acc0 + (a0.y * vec4<f32>(b0.y, b1.y, b2.y, b3.y));
    acc0 = acc0 + (a0.z * vec4<f32>(b0.z, b1.z, b2.z, b3.z));
    acc0 = acc0 + (a0.w * vec4<f32>(b0.w, b1.w, b2.w, b3.w));
    acc1 = acc1 + (a1.x * vec4<f32>(b0.x, b1.x, b2.x, b3.x));
    acc1 = acc1 + (a1.y * vec4<f32>(b0.y, b1.y, b2.y, b3.y));
    acc1 = acc1 + (a1.z * vec4<f32>(b0.z, b1.z, b2.z, b3.z));
    acc1 = acc1 + (a1.w * vec4<f32>(b0.w, b1.w, b2.w, b3.w));
    acc2 = acc2 + (a2.x * vec4<f32>(b0.x, b1.x, b2.x, b3.x));
    acc2 = acc2 + (a2.y * vec4<f32>(b0.y, b1.y, b2.y, b3.y));
    acc2 = acc2 + (a2.z * vec4<f32>(b0.z, b1.z, b2.z, b3.z));
    acc2 = acc2 + (a2.w * vec4<f32>(b0.w, b1.w, b2.w, b3.w));
    acc3 = acc3 + (a3.x * vec4<f32>(b0.x, b1.x, b2.x, b3.x));
    acc3 = acc3 + (a3.y * vec4<f32>(b0.y, b1.y, b2.y, b3.y));
    acc3 = acc3 + (a3.z * vec4<f32>(b0.z, b1.z, b2.z, b3.z));
    acc3 = acc3 + (a3.w * vec4<f32>(b0.w, b1.w, b2.w, b3.w));
  }
  let obase: u32 = bat * 231u;
  let ec: u32 = min(n0, 32u);
  let ec_1: u32 = min(n0 + 1u, 32u);
  let ec_2: u32 = min(n0 + 2u, 32u);
  let ec_3: u32 = min(n0 + 3u, 32u);
  let er: u32 = min(m0, 6u);
  let v: f32 = x3[ec];
  let v_1: f32 = acc0.x + v;
  let v_2: f32 = 0.5f * v_1;
  let v_3: f32 = v_1 * v_1;
  let v_4: f32 = v_1 * v_3;
  let v_5: f32 = 0.044715f * v_4;
  let v_6: f32 = v_1 + v_5;
  let v_7: f32 = 0.7978846f * v_6;
  let v_8: f32 = tanh(clamp(v_7, -15.0f, 15.0f));
  let v_9: f32 = 1.0f + v_8;
  let v_10: f32 = v_2 * v_9;
  y2[obase + ((m0 * 33u) + n0)] = v_10;
  let v_11: f32 = x3[ec_1];
  let v_12: f32 = acc0.y + v_11;
  let v_13: f32 = 0.5f * v_12;
  let v_14: f32 = v_12 * v_12;
  let v_15: f32 = v_12 * v_14;
  let v_16: f32 = 0.044715f * v_15;
  let v_17: f32 = v_12 + v_16;
  let v_18: f32 = 0.7978846f * v_17;
  let v_19: f32 = tanh(clamp(v_18, -15.0f, 15.0f));
  let v_20: f32 = 1.0f + v_19;
  let v_21: f32 = v_13 * v_20;
  if ((n0 + 1u) < 33u) {
    y2[obase + ((m0 * 33u) + (n0 + 1u))] = v_21;
  }
  let v_22: f32 = x3[ec_2];
  let v_23: f32 = acc0.z + v_22;
  let v_24: f32 = 0.5f * v_23;
  let v_25: f32 = v_23 * v_23;
  let v_26: f32 = v_23 * v_25;
  let v_27: f32 = 0.044715f * v_26;
  let v_28: f32 = v_23 + v_27;
  let v_29: f32 = 0.7978846f * v_28;
  let v_30: f32 = tanh(clamp(v_29, -15.0f, 15.0f));
  let v_31: f32 = 1.0f + v_30;
  let v_32: f32 = v_24 * v_31;
  if ((n0 + 2u) < 33u) {
    y2[obase + ((m0 * 33u) + (n0 + 2u))] = v_32;
  }
  let v_33: f32 = x3[ec_3];
  let v_34: f32 = acc0.w + v_33;
  let v_35: f32 = 0.5f * v_34;
  let v_36: f32 = v_34 * v_34;
  let v_37: f32 = v_34 * v_36;
  let v_38: f32 = 0.044715f * v_37;
  let v_39: f32 = v_34 + v_38;
  let v_40: f32 = 0.7978846f * v_39;
  let v_41: f32 = tanh(clamp(v_40, -15.0f, 15.0f));
  let v_42: f32 = 1.0f + v_41;
  let v_43: f32 = v_35 * v_42;
  if ((n0 + 3u) < 33u) {
    y2[obase + ((m0 * 33u) + (n0 + 3u))] = v_43;
  }
  let er_1: u32 = min(m0 + 1u, 6u);
  let v_44: f32 = acc1.x + v;
  let v_45: f32 = 0.5f * v_44;
  let v_46: f32 = v_44 * v_44;
  let v_47: f32 = v_44 * v_46;
  let v_48: f32 = 0.044715f * v_47;
  let v_49: f32 = v_44 + v_48;
  let v_50: f32 = 0.7978846f * v_49;
  let v_51: f32 = tanh(clamp(v_50, -15.0f, 15.0f));
  let v_52: f32 = 1.0f + v_51;
  let v_53: f32 = v_45 * v_52;
  if ((m0 + 1u) < 7u) {
    y2[obase + (((m0 + 1u) * 33u) + n0)] = v_53;
  }
  let v_54: f32 = acc1.y + v_11;
  let v_55: f32 = 0.5f * v_54;
  let v_56: f32 = v_54 * v_54;
  let v_57: f32 = v_54 * v_56;
  let v_58: f32 = 0.044715f * v_57;
  let v_59: f32 = v_54 + v_58;
  let v_60: f32 = 0.7978846f * v_59;
  let v_61: f32 = tanh(clamp(v_60, -15.0f, 15.0f));
  let v_62: f32 = 1.0f + v_61;
  let v_63: f32 = v_55 * v_62;
  if (((m0 + 1u) < 7u) && ((n0 + 1u) < 33u)) {
    y2[obase + (((m0 + 1u) * 33u) + (n0 + 1u))] = v_63;
  }
  let v_64: f32 = acc1.z + v_22;
  let v_65: f32 = 0.5f * v_64;
  let v_66: f32 = v_64 * v_64;
  let v_67: f32 = v_64 * v_66;
  let v_68: f32 = 0.044715f * v_67;
  let v_69: f32 = v_64 + v_68;
  let v_70: f32 = 0.7978846f * v_69;
  let v_71: f32 = tanh(clamp(v_70, -15.0f, 15.0f));
  let v_72: f32 = 1.0f + v_71;
  let v_73: f32 = v_65 * v_72;
  if (((m0 + 1u) < 7u) && ((n0 + 2u) < 33u)) {
    y2[obase + (((m0 + 1u) * 33u) + (n0 + 2u))] = v_73;
  }
  let v_74: f32 = acc1.w + v_33;
  let v_75: f32 = 0.5f * v_74;
  let v_76: f32 = v_74 * v_74;
  let v_77: f32 = v_74 * v_76;
  let v_78: f32 = 0.044715f * v_77;
  let v_79: f32 = v_74 + v_78;
  let v_80: f32 = 0.7978846f * v_79;
  let v_81: f32 = tanh(clamp(v_80, -15.0f, 15.0f));
  let v_82: f32 = 1.0f + v_81;
  let v_83: f32 = v_75 * v_82;
  if (((m0 + 1u) < 7u) && ((n0 + 3u) < 33u)) {
    y2[obase + (((m0 + 1u) * 33u) + (n0 + 3u))] = v_83;
  }
  let er_2: u32 = min(m0 + 2u, 6u);
  let v_84: f32 = acc2.x + v;
  let v_85: f32 = 0.5f * v_84;
  let v_86: f32 = v_84 * v_84;
  let v_87: f32 = v_84 * v_86;
  let v_88: f32 = 0.044715f * v_87;
  let v_89: f32 = v_84 + v_88;
  let v_90: f32 = 0.7978846f * v_89;
  let v_91: f32 = tanh(clamp(v_90, -15.0f, 15.0f));
  let v_92: f32 = 1.0f + v_91;
  let v_93: f32 = v_85 * v_92;
  if ((m0 + 2u) < 7u) {
    y2[obase + (((m0 + 2u) * 33u) + n0)] = v_93;
  }
  let v_94: f32 = acc2.y + v_11;
  let v_95: f32 = 0.5f * v_94;
  let v_96: f32 = v_94 * v_94;
  let v_97: f32 = v_94 * v_96;
  let v_98: f32 = 0.044715f * v_97;
  let v_99: f32 = v_94 + v_98;
  let v_100: f32 = 0.7978846f * v_99;
  let v_101: f32 = tanh(clamp(v_100, -15.0f, 15.0f));
  let v_102: f32 = 1.0f + v_101;
  let v_103: f32 = v_95 * v_102;
  if (((m0 + 2u) < 7u) && ((n0 + 1u) < 33u)) {
    y2[obase + (((m0 + 2u) * 33u) + (n0 + 1u))] = v_103;
  }
  let v_104: f32 = acc2.z + v_22;
  let v_105: f32 = 0.5f * v_104;
  let v_106: f32 = v_104 * v_104;
  let v_107: f32 = v_104 * v_106;
  let v_108: f32 = 0.044715f * v_107;
  let v_109: f32 = v_104 + v_108;
  let v_110: f32 = 0.7978846f * v_109;
  let v_111: f32 = tanh(clamp(v_110, -15.0f, 15.0f));
  let v_112: f32 = 1.0f + v_111;
  let v_113: f32 = v_105 * v_112;
  if (((m0 + 2u) < 7u) && ((n0 + 2u) < 33u)) {
    y2[obase + (((m0 + 2u) * 33u) + (n0 + 2u))] = v_113;
  }
  let v_114: f32 = acc2.w + v_33;
  let v_115: f32 = 0.5f * v_114;
  let v_116: f32 = v_114 * v_114;
  let v_117: f32 = v_114 * v_116;
  let v_118: f32 = 0.044715f * v_117;
  let v_119: f32 = v_114 + v_118;
  let v_120: f32 = 0.7978846f * v_119;
  let v_121: f32 = tanh(clamp(v_120, -15.0f, 15.0f));
  let v_122: f32 = 1.0f + v_121;
  let v_123: f32 = v_115 * v_122;
  if (((m0 + 2u) < 7u) && ((n0 + 3u) < 33u)) {
    y2[obase + (((m0 + 2u) * 33u) + (n0 + 3u))] = v_123;
  }
  let er_3: u32 = min(m0 + 3u, 6u);
  let v_124: f32 = acc3.x + v;
  let v_125: f32 = 0.5f * v_124;
  let v_126: f32 = v_124 * v_124;
  let v_127: f32 = v_124 * v_126;
  let v_128: f32 = 0.044715f * v_127;
  let v_129: f32 = v_124 + v_128;
  let v_130: f32 = 0.7978846f * v_129;
  let v_131: f32 = tanh(clamp(v_130, -15.0f, 15.0f));
  let v_132: f32 = 1.0f + v_131;
  let v_133: f32 = v_125 * v_132;
  if ((m0 + 3u) < 7u) {
    y2[obase + (((m0 + 3u) * 33u) + n0)] = v_133;
  }
  let v_134: f32 = acc3.y + v_11;
  let v_135: f32 = 0.5f * v_134;
  let v_136: f32 = v_134 * v_134;
  let v_137: f32 = v_134 * v_136;
  let v_138: f32 = 0.044715f * v_137;
  let v_139: f32 = v_134 + v_138;
  let v_140: f32 = 0.7978846f * v_139;
  let v_141: f32 = tanh(clamp(v_140, -15.0f, 15.0f));
  let v_142: f32 = 1.0f + v_141;
  let v_143: f32 = v_135 * v_142;
  if (((m0 + 3u) < 7u) && ((n0 + 1u) < 33u)) {
    y2[obase + (((m0 + 3u) * 33u) + (n0 + 1u))] = v_143;
  }
  let v_144: f32 = acc3.z + v_22;
  let v_145: f32 = 0.5f * v_144;
  let v_146: f32 = v_144 * v_144;
  let v_147: f32 = v_144 * v_146;
  let v_148: f32 = 0.044715f * v_147;
  let v_149: f32 = v_144 + v_148;
  let v_150: f32 = 0.7978846f * v_149;
  let v_151: f32 = tanh(clamp(v_150, -15.0f, 15.0f));
  let v_152: f32 = 1.0f + v_151;
  let v_153: f32 = v_145 * v_152;
  if (((m0 + 3u) < 7u) && ((n0 + 2u) < 33u)) {
    y2[obase + (((m0 + 3u) * 33u) + (n0 + 2u))] = v_153;
  }
  let v_154: f32 = acc3.w + v_33;
  let v_155: f32 = 0.5f * v_154;
  let v_156: f32 = v_154 * v_154;
  let v_157: f32 = v_154 * v_156;
  let v_158: f32 = 0.044715f * v_157;
  let v_159: f32 = v_154 + v_158;
  let v_160: f32 = 0.7978846f * v_159;
  let v_161: f32 = tanh(clamp(v_160, -15.0f, 15.0f));
  let v_162: f32 = 1.0f + v_161;
  let v_163: f32 = v_155 * v_162;
  if (((m0 + 3u) < 7u) && ((n0 + 3u) < 33u)) {
    y2[obase + (((m0 + 3u) * 33u) + (n0 + 3u))] = v_163;
  }
}
