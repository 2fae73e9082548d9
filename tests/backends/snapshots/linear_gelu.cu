// ---- launch 1 of 1, grid [4]
// kernel matmul
// matmul (b transposed): a f32[2, 7, 24] × b f32[33, 24] → f32[2, 7, 33]
// M=7 N=33 K=24, batch 2 (a 2, b 1); 4×4 outputs per invocation, workgroup 8×8;
// a vec4 loads, b vec4 loads; epilogue → mul f32[2, 7, 33]

struct matmul_Params {
  unsigned k_groups;
  unsigned grid_x;
  unsigned grid_fold_x;
};

extern "C" __global__ void __launch_bounds__(64) matmul(
    const sk::f32x4* __restrict__ x0_v4,
    const sk::f32x4* __restrict__ x1_v4,
    float* __restrict__ y2,
    const float* __restrict__ x3,
    const matmul_Params params) {
  // logical workgroup id along x: the launch may be folded into (x, y) (see foldGrid)
  const unsigned wg_linear = blockIdx.x + blockIdx.y * params.grid_fold_x;
  if (wg_linear >= params.grid_x) {
    return;
  }
  const unsigned w = wg_linear;
  const unsigned bat = w / 2u;
  const unsigned tile = w % 2u;
  const unsigned bm = ((tile / 2u) * 8u) + threadIdx.y;
  const unsigned bn = ((tile % 2u) * 8u) + threadIdx.x;
  if ((bm >= 2u) || (bn >= 9u)) {
    return;
  }
  const unsigned m0 = bm * 4u;
  const unsigned n0 = bn * 4u;
  const unsigned abase = bat * 42u;
  const unsigned ar0 = sk::min(m0, 6u);
  const unsigned aoff0 = abase + (ar0 * 6u);
  const unsigned ar1 = sk::min(m0 + 1u, 6u);
  const unsigned aoff1 = abase + (ar1 * 6u);
  const unsigned ar2 = sk::min(m0 + 2u, 6u);
  const unsigned aoff2 = abase + (ar2 * 6u);
  const unsigned ar3 = sk::min(m0 + 3u, 6u);
  const unsigned aoff3 = abase + (ar3 * 6u);
  const unsigned bbase = 0u;
  const unsigned br0 = sk::min(n0, 32u);
  const unsigned boff0 = bbase + (br0 * 6u);
  const unsigned br1 = sk::min(n0 + 1u, 32u);
  const unsigned boff1 = bbase + (br1 * 6u);
  const unsigned br2 = sk::min(n0 + 2u, 32u);
  const unsigned boff2 = bbase + (br2 * 6u);
  const unsigned br3 = sk::min(n0 + 3u, 32u);
  const unsigned boff3 = bbase + (br3 * 6u);
  sk::f32x4 acc0{};
  sk::f32x4 acc1{};
  sk::f32x4 acc2{};
  sk::f32x4 acc3{};
  for (unsigned kq = 0u; kq < params.k_groups; kq += 1u) {
    const sk::f32x4 a0 = x0_v4[aoff0 + kq];
    const sk::f32x4 a1 = x0_v4[aoff1 + kq];
    const sk::f32x4 a2 = x0_v4[aoff2 + kq];
    const sk::f32x4 a3 = x0_v4[aoff3 + kq];
    const sk::f32x4 b0 = x1_v4[boff0 + kq];
    const sk::f32x4 b1 = x1_v4[boff1 + kq];
    const sk::f32x4 b2 = x1_v4[boff2 + kq];
    const sk::f32x4 b3 = x1_v4[boff3 + kq];
    acc0 = acc0 + (a0.x * sk::f32x4{b0.x, b1.x, b2.x, b3.x});
    acc0 = acc0 + (a0.y * sk::f32x4{b0.y, b1.y, b2.y, b3.y});
    acc0 = acc0 + (a0.z * sk::f32x4{b0.z, b1.z, b2.z, b3.z});
    acc0 = acc0 + (a0.w * sk::f32x4{b0.w, b1.w, b2.w, b3.w});
    acc1 = acc1 + (a1.x * sk::f32x4{b0.x, b1.x, b2.x, b3.x});
    acc1 = acc1 + (a1.y * sk::f32x4{b0.y, b1.y, b2.y, b3.y});
    acc1 = acc1 + (a1.z * sk::f32x4{b0.z, b1.z, b2.z, b3.z});
    acc1 = acc1 + (a1.w * sk::f32x4{b0.w, b1.w, b2.w, b3.w});
    acc2 = acc2 + (a2.x * sk::f32x4{b0.x, b1.x, b2.x, b3.x});
    acc2 = acc2 + (a2.y * sk::f32x4{b0.y, b1.y, b2.y, b3.y});
    acc2 = acc2 + (a2.z * sk::f32x4{b0.z, b1.z, b2.z, b3.z});
    acc2 = acc2 + (a2.w * sk::f32x4{b0.w, b1.w, b2.w, b3.w});
    acc3 = acc3 + (a3.x * sk::f32x4{b0.x, b1.x, b2.x, b3.x});
    acc3 = acc3 + (a3.y * sk::f32x4{b0.y, b1.y, b2.y, b3.y});
    acc3 = acc3 + (a3.z * sk::f32x4{b0.z, b1.z, b2.z, b3.z});
    acc3 = acc3 + (a3.w * sk::f32x4{b0.w, b1.w, b2.w, b3.w});
  }
  const unsigned obase = bat * 231u;
  const unsigned ec = sk::min(n0, 32u);
  const unsigned ec_1 = sk::min(n0 + 1u, 32u);
  const unsigned ec_2 = sk::min(n0 + 2u, 32u);
  const unsigned ec_3 = sk::min(n0 + 3u, 32u);
  const unsigned er = sk::min(m0, 6u);
  const float v = x3[ec];
  const float v_1 = acc0.x + v;
  const float v_2 = 0.5f * v_1;
  const float v_3 = v_1 * v_1;
  const float v_4 = v_1 * v_3;
  const float v_5 = 0.044715f * v_4;
  const float v_6 = v_1 + v_5;
  const float v_7 = 0.7978846f * v_6;
  const float v_8 = tanhf(fminf(fmaxf(v_7, -15.0f), 15.0f));
  const float v_9 = 1.0f + v_8;
  const float v_10 = v_2 * v_9;
  y2[obase + ((m0 * 33u) + n0)] = v_10;
  const float v_11 = x3[ec_1];
  const float v_12 = acc0.y + v_11;
  const float v_13 = 0.5f * v_12;
  const float v_14 = v_12 * v_12;
  const float v_15 = v_12 * v_14;
  const float v_16 = 0.044715f * v_15;
  const float v_17 = v_12 + v_16;
  const float v_18 = 0.7978846f * v_17;
  const float v_19 = tanhf(fminf(fmaxf(v_18, -15.0f), 15.0f));
  const float v_20 = 1.0f + v_19;
  const float v_21 = v_13 * v_20;
  if ((n0 + 1u) < 33u) {
    y2[obase + ((m0 * 33u) + (n0 + 1u))] = v_21;
  }
  const float v_22 = x3[ec_2];
  const float v_23 = acc0.z + v_22;
  const float v_24 = 0.5f * v_23;
  const float v_25 = v_23 * v_23;
  const float v_26 = v_23 * v_25;
  const float v_27 = 0.044715f * v_26;
  const float v_28 = v_23 + v_27;
  const float v_29 = 0.7978846f * v_28;
  const float v_30 = tanhf(fminf(fmaxf(v_29, -15.0f), 15.0f));
  const float v_31 = 1.0f + v_30;
  const float v_32 = v_24 * v_31;
  if ((n0 + 2u) < 33u) {
    y2[obase + ((m0 * 33u) + (n0 + 2u))] = v_32;
  }
  const float v_33 = x3[ec_3];
  const float v_34 = acc0.w + v_33;
  const float v_35 = 0.5f * v_34;
  const float v_36 = v_34 * v_34;
  const float v_37 = v_34 * v_36;
  const float v_38 = 0.044715f * v_37;
  const float v_39 = v_34 + v_38;
  const float v_40 = 0.7978846f * v_39;
  const float v_41 = tanhf(fminf(fmaxf(v_40, -15.0f), 15.0f));
  const float v_42 = 1.0f + v_41;
  const float v_43 = v_35 * v_42;
  if ((n0 + 3u) < 33u) {
    y2[obase + ((m0 * 33u) + (n0 + 3u))] = v_43;
  }
  const unsigned er_1 = sk::min(m0 + 1u, 6u);
  const float v_44 = acc1.x + v;
  const float v_45 = 0.5f * v_44;
  const float v_46 = v_44 * v_44;
  const float v_47 = v_44 * v_46;
  const float v_48 = 0.044715f * v_47;
  const float v_49 = v_44 + v_48;
  const float v_50 = 0.7978846f * v_49;
  const float v_51 = tanhf(fminf(fmaxf(v_50, -15.0f), 15.0f));
  const float v_52 = 1.0f + v_51;
  const float v_53 = v_45 * v_52;
  if ((m0 + 1u) < 7u) {
    y2[obase + (((m0 + 1u) * 33u) + n0)] = v_53;
  }
  const float v_54 = acc1.y + v_11;
  const float v_55 = 0.5f * v_54;
  const float v_56 = v_54 * v_54;
  const float v_57 = v_54 * v_56;
  const float v_58 = 0.044715f * v_57;
  const float v_59 = v_54 + v_58;
  const float v_60 = 0.7978846f * v_59;
  const float v_61 = tanhf(fminf(fmaxf(v_60, -15.0f), 15.0f));
  const float v_62 = 1.0f + v_61;
  const float v_63 = v_55 * v_62;
  if (((m0 + 1u) < 7u) && ((n0 + 1u) < 33u)) {
    y2[obase + (((m0 + 1u) * 33u) + (n0 + 1u))] = v_63;
  }
  const float v_64 = acc1.z + v_22;
  const float v_65 = 0.5f * v_64;
  const float v_66 = v_64 * v_64;
  const float v_67 = v_64 * v_66;
  const float v_68 = 0.044715f * v_67;
  const float v_69 = v_64 + v_68;
  const float v_70 = 0.7978846f * v_69;
  const float v_71 = tanhf(fminf(fmaxf(v_70, -15.0f), 15.0f));
  const float v_72 = 1.0f + v_71;
  const float v_73 = v_65 * v_72;
  if (((m0 + 1u) < 7u) && ((n0 + 2u) < 33u)) {
    y2[obase + (((m0 + 1u) * 33u) + (n0 + 2u))] = v_73;
  }
  const float v_74 = acc1.w + v_33;
  const float v_75 = 0.5f * v_74;
  const float v_76 = v_74 * v_74;
  const float v_77 = v_74 * v_76;
  const float v_78 = 0.044715f * v_77;
  const float v_79 = v_74 + v_78;
  const float v_80 = 0.7978846f * v_79;
  const float v_81 = tanhf(fminf(fmaxf(v_80, -15.0f), 15.0f));
  const float v_82 = 1.0f + v_81;
  const float v_83 = v_75 * v_82;
  if (((m0 + 1u) < 7u) && ((n0 + 3u) < 33u)) {
    y2[obase + (((m0 + 1u) * 33u) + (n0 + 3u))] = v_83;
  }
  const unsigned er_2 = sk::min(m0 + 2u, 6u);
  const float v_84 = acc2.x + v;
  const float v_85 = 0.5f * v_84;
  const float v_86 = v_84 * v_84;
  const float v_87 = v_84 * v_86;
  const float v_88 = 0.044715f * v_87;
  const float v_89 = v_84 + v_88;
  const float v_90 = 0.7978846f * v_89;
  const float v_91 = tanhf(fminf(fmaxf(v_90, -15.0f), 15.0f));
  const float v_92 = 1.0f + v_91;
  const float v_93 = v_85 * v_92;
  if ((m0 + 2u) < 7u) {
    y2[obase + (((m0 + 2u) * 33u) + n0)] = v_93;
  }
  const float v_94 = acc2.y + v_11;
  const float v_95 = 0.5f * v_94;
  const float v_96 = v_94 * v_94;
  const float v_97 = v_94 * v_96;
  const float v_98 = 0.044715f * v_97;
  const float v_99 = v_94 + v_98;
  const float v_100 = 0.7978846f * v_99;
  const float v_101 = tanhf(fminf(fmaxf(v_100, -15.0f), 15.0f));
  const float v_102 = 1.0f + v_101;
  const float v_103 = v_95 * v_102;
  if (((m0 + 2u) < 7u) && ((n0 + 1u) < 33u)) {
    y2[obase + (((m0 + 2u) * 33u) + (n0 + 1u))] = v_103;
  }
  const float v_104 = acc2.z + v_22;
  const float v_105 = 0.5f * v_104;
  const float v_106 = v_104 * v_104;
  const float v_107 = v_104 * v_106;
  const float v_108 = 0.044715f * v_107;
  const float v_109 = v_104 + v_108;
  const float v_110 = 0.7978846f * v_109;
  const float v_111 = tanhf(fminf(fmaxf(v_110, -15.0f), 15.0f));
  const float v_112 = 1.0f + v_111;
  const float v_113 = v_105 * v_112;
  if (((m0 + 2u) < 7u) && ((n0 + 2u) < 33u)) {
    y2[obase + (((m0 + 2u) * 33u) + (n0 + 2u))] = v_113;
  }
  const float v_114 = acc2.w + v_33;
  const float v_115 = 0.5f * v_114;
  const float v_116 = v_114 * v_114;
  const float v_117 = v_114 * v_116;
  const float v_118 = 0.044715f * v_117;
  const float v_119 = v_114 + v_118;
  const float v_120 = 0.7978846f * v_119;
  const float v_121 = tanhf(fminf(fmaxf(v_120, -15.0f), 15.0f));
  const float v_122 = 1.0f + v_121;
  const float v_123 = v_115 * v_122;
  if (((m0 + 2u) < 7u) && ((n0 + 3u) < 33u)) {
    y2[obase + (((m0 + 2u) * 33u) + (n0 + 3u))] = v_123;
  }
  const unsigned er_3 = sk::min(m0 + 3u, 6u);
  const float v_124 = acc3.x + v;
  const float v_125 = 0.5f * v_124;
  const float v_126 = v_124 * v_124;
  const float v_127 = v_124 * v_126;
  const float v_128 = 0.044715f * v_127;
  const float v_129 = v_124 + v_128;
  const float v_130 = 0.7978846f * v_129;
  const float v_131 = tanhf(fminf(fmaxf(v_130, -15.0f), 15.0f));
  const float v_132 = 1.0f + v_131;
  const float v_133 = v_125 * v_132;
  if ((m0 + 3u) < 7u) {
    y2[obase + (((m0 + 3u) * 33u) + n0)] = v_133;
  }
  const float v_134 = acc3.y + v_11;
  const float v_135 = 0.5f * v_134;
  const float v_136 = v_134 * v_134;
  const float v_137 = v_134 * v_136;
  const float v_138 = 0.044715f * v_137;
  const float v_139 = v_134 + v_138;
  const float v_140 = 0.7978846f * v_139;
  const float v_141 = tanhf(fminf(fmaxf(v_140, -15.0f), 15.0f));
  const float v_142 = 1.0f + v_141;
  const float v_143 = v_135 * v_142;
  if (((m0 + 3u) < 7u) && ((n0 + 1u) < 33u)) {
    y2[obase + (((m0 + 3u) * 33u) + (n0 + 1u))] = v_143;
  }
  const float v_144 = acc3.z + v_22;
  const float v_145 = 0.5f * v_144;
  const float v_146 = v_144 * v_144;
  const float v_147 = v_144 * v_146;
  const float v_148 = 0.044715f * v_147;
  const float v_149 = v_144 + v_148;
  const float v_150 = 0.7978846f * v_149;
  const float v_151 = tanhf(fminf(fmaxf(v_150, -15.0f), 15.0f));
  const float v_152 = 1.0f + v_151;
  const float v_153 = v_145 * v_152;
  if (((m0 + 3u) < 7u) && ((n0 + 2u) < 33u)) {
    y2[obase + (((m0 + 3u) * 33u) + (n0 + 2u))] = v_153;
  }
  const float v_154 = acc3.w + v_33;
  const float v_155 = 0.5f * v_154;
  const float v_156 = v_154 * v_154;
  const float v_157 = v_154 * v_156;
  const float v_158 = 0.044715f * v_157;
  const float v_159 = v_154 + v_158;
  const float v_160 = 0.7978846f * v_159;
  const float v_161 = tanhf(fminf(fmaxf(v_160, -15.0f), 15.0f));
  const float v_162 = 1.0f + v_161;
  const float v_163 = v_155 * v_162;
  if (((m0 + 3u) < 7u) && ((n0 + 3u) < 33u)) {
    y2[obase + (((m0 + 3u) * 33u) + (n0 + 3u))] = v_163;
  }
}
