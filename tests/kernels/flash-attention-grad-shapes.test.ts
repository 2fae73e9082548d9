// The flash attention backward kernels on more layouts, head 64 against the reference:
// decode-shaped (5 queries over 37 keys, with segments: the owned tile rounded up to 8 rows) in
// the row form; LM (causal, no segments: the sure part unmasked, the diagonal band masked),
// non-causal (everything unmasked) and decode without segments in the row-per-invocation form,
// which small problems get by default, and that form with tile skipping off (every pair through
// the masked loop). The walks are shared by both forms. (Each row-form
// shader costs 17–50 s of LLVM on a cold cache: the tests compile four of them.) See flash-attention-grad.test.ts for the rest; the helpers are in flash-grad-util.ts.

import { afterAll, test } from "vitest";
import { sharedDevice } from "../backends/util.ts";
import { mulberry32, testSeed } from "../util/random.ts";
import { L37, check, t2i } from "./flash-grad-util.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const dev = await sharedDevice();
afterAll(() => dev.dispose());

test("LM (causal, no segments) and non-causal in the row-per-invocation form, head 64, L = 37", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  await check(dev.get(), rng, seed, "LM", { B: 1, H: 2, lq: L37, lk: L37, D: 64, causal: true, segments: false }, [null], "rowwise");
  await check(dev.get(), rng, seed, "non-causal", { B: 1, H: 2, lq: L37, lk: L37, D: 64, causal: false, segments: false }, [null], "rowwise");
});

test("decode-shaped: 5 queries over 37 keys, causal with T2I segments (row form) and without (row per invocation)", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  await check(dev.get(), rng, seed, "decode + segments", { B: 2, H: 1, lq: 5, lk: L37, D: 64, causal: true, segments: true }, [[t2i(L37, 16, 4, "pad"), t2i(L37, 16, 9, "dead")]]);
  await check(dev.get(), rng, seed, "decode", { B: 1, H: 2, lq: 5, lk: L37, D: 64, causal: true, segments: false }, [null], "rowwise");
});

test("tile skipping off (the lists not read, every pair masked in-kernel) in the row-per-invocation form: T2I DEAD and MMU, head 64, L = 37", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const layouts = [[t2i(L37, 16, 7, "dead"), [{ kind: "span" as const, start: 0, end: 12 }, { kind: "global" as const, start: 25, end: 28 }]]];
  await check(dev.get(), rng, seed, "no tile skipping", { B: 2, H: 1, lq: L37, lk: L37, D: 64, causal: true, segments: true }, layouts, "rowwise", { tileSkipping: false });
});
