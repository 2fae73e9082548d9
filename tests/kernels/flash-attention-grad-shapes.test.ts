// The flash attention backward kernels' row form on layouts without lists: LM (causal, no
// segments: the sure part unmasked, the diagonal band masked), non-causal (everything unmasked)
// and decode-shaped (5 queries over 37 keys, with segments and without), head 64 against the
// reference. See flash-attention-grad.test.ts for the rest; the helpers are in flash-grad-util.ts.

import { after, test } from "node:test";
import { sharedDevice } from "../backends/util.ts";
import { mulberry32, testSeed } from "../util/random.ts";
import { L37, check, t2i } from "./flash-grad-util.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const dev = await sharedDevice();
after(() => dev.dispose());

test("LM (causal, no segments) and non-causal at head 64, L = 37", dev.skip, async () => {
  await check(dev.get(), rng, seed, "LM", { B: 1, H: 2, lq: L37, lk: L37, D: 64, causal: true, segments: false }, [null]);
  await check(dev.get(), rng, seed, "non-causal", { B: 1, H: 2, lq: L37, lk: L37, D: 64, causal: false, segments: false }, [null]);
});

test("decode-shaped: 5 queries over 37 keys, causal with T2I segments and without", dev.skip, async () => {
  await check(dev.get(), rng, seed, "decode + segments", { B: 2, H: 1, lq: 5, lk: L37, D: 64, causal: true, segments: true }, [[t2i(L37, 16, 4, "pad"), t2i(L37, 16, 9, "dead")]]);
  await check(dev.get(), rng, seed, "decode", { B: 1, H: 2, lq: 5, lk: L37, D: 64, causal: true, segments: false }, [null]);
});

