// Key maps: which of our parameters each checkpoint tensor holds.
//
// Our modules name their parameters by their path, as PyTorch does, so the maps are mostly
// identity plus prefix handling. What a map adds is knowing the released checkpoints' names well
// enough to tell a tensor we expect from one we do not (reported, never silently dropped):
//
// - Show-o (`showlab/show-o*`, pytorch_model.safetensors): `showo.` + Phi's names
//   (`showo.model.layers.3.self_attn.dense.weight`, `showo.lm_head.bias`, ...). Our Show-o module
//   uses the same names without `showo.`; keys without the prefix are accepted too. The CLIP
//   variants' `mm_projector.*` is reported and ignored: the discrete-token model has no projector.
// - MAGVIT-v2 (`showlab/magvitv2`): `encoder.*` and `decoder.*` map to themselves. The LFQ buffers
//   `quantize.embedding` [8192, 13] and `quantize.power_vals` [13] are deterministic; when present
//   they are checked against what our quantiser computes (bit order included) and then ignored.

/** Checks of a stored buffer that the model recomputes rather than loads. */
export interface BufferCheck {
  readonly shape: readonly number[];
  /** What its values must be: undefined when they match, else the first mismatch in words. */
  values(data: Float64Array): string | undefined;
}

export type KeyTarget =
  | { readonly kind: "param"; readonly name: string }
  | { readonly kind: "ignored"; readonly reason: string }
  | { readonly kind: "buffer"; readonly reason: string; readonly check: BufferCheck };

export interface KeyMap {
  readonly model: "showo" | "magvit2";
  /** Where a checkpoint key goes; undefined for a key this model does not know. */
  map(key: string): KeyTarget | undefined;
}

// ----- Show-o ------------------------------------------------------------------------------------

const SHOWO_PARAM = new RegExp(
  "^(?:" +
    [
      String.raw`model\.embed_tokens\.weight`,
      String.raw`model\.layers\.\d+\.input_layernorm\.(?:weight|bias)`,
      String.raw`model\.layers\.\d+\.self_attn\.(?:q_proj|k_proj|v_proj|dense|q_layernorm|k_layernorm)\.(?:weight|bias)`,
      String.raw`model\.layers\.\d+\.mlp\.(?:fc1|fc2)\.(?:weight|bias)`,
      String.raw`model\.final_layernorm\.(?:weight|bias)`,
      String.raw`lm_head\.(?:weight|bias)`,
    ].join("|") +
    ")$",
);
const SHOWO_PROJECTOR = /^(?:showo\.)?mm_projector\.\d+\.(?:weight|bias)$/;
// Rotary caches are non-persistent buffers in the transformers version Show-o pins; older
// checkpoints of Phi saved inv_freq. Either way we recompute them.
const SHOWO_ROTARY = /^(?:showo\.)?model\.layers\.\d+\.self_attn\.rotary_emb\.\w+$/;

export const SHOWO_KEYMAP: KeyMap = {
  model: "showo",
  map(key) {
    const name = key.startsWith("showo.") ? key.slice("showo.".length) : key;
    if (SHOWO_PARAM.test(name)) return { kind: "param", name };
    if (SHOWO_PROJECTOR.test(key)) return { kind: "ignored", reason: "CLIP-ViT projector (show-o-w-clip-vit checkpoints); not used by the discrete-token model" };
    if (SHOWO_ROTARY.test(key)) return { kind: "ignored", reason: "rotary cache; recomputed" };
    return undefined;
  },
};

// ----- MAGVIT-v2 ---------------------------------------------------------------------------------

const WB = String.raw`\.(?:weight|bias)`;
const RES = String.raw`(?:norm1|conv1|norm2|conv2|nin_shortcut)`;
const MID = String.raw`mid\.(?:block_[12]\.${RES}|attn_1\.(?:norm|q|k|v|proj_out))`;
const MAGVIT_PARAM = new RegExp(
  "^(?:" +
    [
      String.raw`encoder\.(?:conv_in|norm_out|conv_out|quant_conv)`,
      String.raw`encoder\.down\.\d+\.block\.\d+\.${RES}`,
      String.raw`encoder\.down\.\d+\.downsample\.conv`,
      String.raw`encoder\.${MID}`,
      String.raw`decoder\.(?:post_quant_conv|conv_in|norm_out|conv_out)`,
      String.raw`decoder\.up\.\d+\.block\.\d+\.${RES}`,
      String.raw`decoder\.up\.\d+\.upsample\.conv`,
      String.raw`decoder\.${MID}`,
    ].join("|") +
    `)${WB}$`,
);

/** LFQ with 13 bits, channel 0 the most significant: code n has channel c = 2·bit(n, 12−c) − 1. */
export const LFQ_BITS = 13;

const LFQ_EMBEDDING: BufferCheck = {
  shape: [1 << LFQ_BITS, LFQ_BITS],
  values(d) {
    for (let n = 0; n < 1 << LFQ_BITS; n++) {
      for (let c = 0; c < LFQ_BITS; c++) {
        const want = 2 * ((n >> (LFQ_BITS - 1 - c)) & 1) - 1;
        const got = d[n * LFQ_BITS + c]!;
        if (got !== want) return `[${n}, ${c}] is ${got}, the LFQ codebook (channel 0 = most significant bit) has ${want}`;
      }
    }
    return undefined;
  },
};

const LFQ_POWERS: BufferCheck = {
  shape: [LFQ_BITS],
  values(d) {
    for (let c = 0; c < LFQ_BITS; c++) {
      const want = 2 ** (LFQ_BITS - 1 - c);
      if (d[c] !== want) return `[${c}] is ${d[c]}, expected ${want} (channel 0 = most significant bit)`;
    }
    return undefined;
  },
};

export const MAGVIT2_KEYMAP: KeyMap = {
  model: "magvit2",
  map(key) {
    if (MAGVIT_PARAM.test(key)) return { kind: "param", name: key };
    if (key === "quantize.embedding") return { kind: "buffer", reason: "LFQ codebook; recomputed", check: LFQ_EMBEDDING };
    if (key === "quantize.power_vals") return { kind: "buffer", reason: "LFQ bit weights; recomputed", check: LFQ_POWERS };
    return undefined;
  },
};

export const KEYMAPS: Readonly<Record<KeyMap["model"], KeyMap>> = { showo: SHOWO_KEYMAP, magvit2: MAGVIT2_KEYMAP };

export function keyMapFor(model: string): KeyMap {
  const m = (KEYMAPS as Record<string, KeyMap>)[model];
  if (!m) throw new Error(`unknown model '${model}' for a key map (known: ${Object.keys(KEYMAPS).join(", ")})`);
  return m;
}

/** The key map that knows most of these names; an error when none knows any or two tie. */
export function detectKeyMap(keys: readonly string[]): KeyMap {
  const scored = Object.values(KEYMAPS).map((m) => ({ m, n: keys.filter((k) => m.map(k) !== undefined).length }));
  scored.sort((a, b) => b.n - a.n);
  const [best, next] = scored;
  if (!best || best.n === 0) throw new Error(`cannot tell which model these ${keys.length} tensors belong to (no name is a Show-o or MAGVIT-v2 name); pass the model explicitly`);
  if (next && next.n === best.n) throw new Error(`tensor names fit ${best.m.model} and ${next.m.model} equally; pass the model explicitly`);
  return best.m;
}
