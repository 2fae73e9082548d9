// The shapes world (runtime/shapes/): scenes are a pure function of (seed, split, index); captions
// and answers follow from the scene (checked by an independent parser here); held-out (colour,
// shape) pairs never reach the training files; the detector reads the generator's own pictures
// back at ≥ 99% per category and overall; `showo data shapes` writes files the trainer's readers
// accept, byte-identical on a rerun.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { fileURLToPath } from "node:url";
import { readPng } from "../../runtime/image.ts";
import { detectScene } from "../../runtime/shapes/detect.ts";
import { writeShapesData } from "../../runtime/shapes/files.ts";
import { MATCH_CATEGORIES, matches } from "../../runtime/shapes/match.ts";
import { PURPOSE, Rng } from "../../runtime/shapes/random.ts";
import { renderScene } from "../../runtime/shapes/render.ts";
import { captionScene, questionsFor, textLine } from "../../runtime/shapes/text.ts";
import type { Scene, SceneSpec, Split } from "../../runtime/shapes/world.ts";
import { BACKGROUNDS, HELDOUT_COMBOS, POSITIONS, SHAPES, groupsOf, hasHeldoutCombo, positionOf, sampleScene, specOfScene } from "../../runtime/shapes/world.ts";
import { readCaptionFolder, readQaFile, readTextFile } from "../../runtime/training/data-files.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "showo-shapes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function showo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under a folder, by relative path → bytes. */
function tree(base: string, sub = ""): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of readdirSync(join(base, sub), { withFileTypes: true })) {
    const rel = join(sub, e.name);
    if (e.isDirectory()) for (const [k, v] of tree(base, rel)) out.set(k, v);
    else out.set(rel, readFileSync(join(base, rel)));
  }
  return out;
}

const singular = (w: string) => (w === "crosses" ? "cross" : w.replace(/s$/, ""));
const NUMBERS: Record<string, number> = { zero: 0, a: 1, an: 1, one: 1, two: 2, three: 3 };

/** An independent reading of a caption: the spec it states. */
function parseCaption(text: string): SceneSpec {
  let t = text;
  let background: string | undefined;
  const bg = / on an? (\w+) background$/.exec(t);
  if (bg) {
    background = bg[1];
    t = t.slice(0, bg.index);
  }
  t = t.replace(/^(a picture of|an image of|there is|there are) /, "");
  const groups = t.replace(/, and /g, ", ").split(/, | and /).map((p) => {
    const m = /^(a|an|two|three) (?:(small|large) )?(\w+) (\w+?)(?: (on the left|on the right|at the top|at the bottom|in the center))?$/.exec(p);
    assert.ok(m, `caption "${text}": cannot read the phrase "${p}"`);
    const [, num, size, color, shape, pos] = m;
    const count = NUMBERS[num!]!;
    if (count === 1) assert.equal(num === "an", /^[aeiou]/.test(size ?? color!), `caption "${text}": article`);
    return {
      shape: (count === 1 ? shape : singular(shape!)) as never, color: color as never, count,
      ...(size ? { size: size as never } : {}),
      ...(pos ? { positions: [pos.split(" ").pop()!] as never } : {}),
    };
  });
  return background ? { background: background as never, groups } : { groups };
}

/** An independent answer to a generated question, from the scene alone. */
function answer(scene: Scene, question: string): string {
  const groups = groupsOf(scene);
  const group = (word: string) => {
    const g = groups.find((x) => x.shape === singular(word) || x.shape === word);
    assert.ok(g, `"${question}": no ${word} in the scene`);
    return g;
  };
  let m: RegExpExecArray | null;
  if (/background/.test(question)) return scene.background;
  if ((m = /^How many (\w+) (?:are there|are in the image|can you see)\?$/.exec(question))) {
    if (m[1] === "shapes" || m[1] === "objects") return ["zero", "one", "two", "three"][scene.objects.length]!;
    return ["zero", "one", "two", "three"][scene.objects.filter((o) => o.shape === singular(m![1]!)).length]!;
  }
  if ((m = /^(?:What|Which) color (?:is|are) the (\w+)\?$|^What is the color of the (\w+)\?$/.exec(question))) return group(m[1] ?? m[2]!).color;
  if ((m = /^Where is the (\w+)(?: located)?\?$|^In which part of the image is the (\w+)\?$/.exec(question))) {
    const g = group(m[1] ?? m[2]!);
    assert.equal(g.count, 1, `"${question}" asked of ${g.count} objects`);
    return positionOf(g.objects[0]!.x, g.objects[0]!.y, scene.width, scene.height);
  }
  if ((m = /^(?:Is|Are) the (\w+) small or large\?$|^What size (?:is|are) the (\w+)\?$|^How big (?:is|are) the (\w+)\?$/.exec(question))) return group(m[1] ?? m[2] ?? m[3]!).size;
  if ((m = /^Which shape is (\w+)\?$|^What is the shape of the (\w+) object\?$|^Which shape has the color (\w+)\?$/.exec(question))) {
    const of = scene.objects.filter((o) => o.color === (m![1] ?? m![2] ?? m![3]));
    assert.equal(of.length, 1, `"${question}" asked when ${of.length} objects have that color`);
    return of[0]!.shape;
  }
  if (/^What shape (?:is in the image|is shown|do you see)\?$/.test(question)) {
    assert.equal(groups.length, 1, `"${question}" asked of ${groups.length} kinds`);
    return groups[0]!.shape;
  }
  throw new Error(`unrecognised question "${question}"`);
}

test("scenes are a pure function of (seed, split, index): same seed, same scene and pixels", () => {
  for (let k = 0; k < 50; k++) {
    for (const split of ["train", "heldout"] as Split[]) {
      const a = sampleScene(5, k, split), b = sampleScene(5, k, split);
      assert.deepEqual(a, b);
      assert.deepEqual(renderScene(a).data, renderScene(b).data);
    }
  }
  const differ = Array.from({ length: 20 }, (_, k) => JSON.stringify(sampleScene(5, k)) !== JSON.stringify(sampleScene(6, k)));
  assert.ok(differ.filter(Boolean).length >= 18, "another seed gives other scenes");
  assert.notDeepEqual(sampleScene(5, 3, "train"), sampleScene(5, 3, "heldout"));
});

test("scenes obey the world's rules: 1–3 objects, distinct kinds per group, own slots, inside the image, positions by the rule", () => {
  const seen = { shapes: new Set<string>(), counts: new Set<number>(), positions: new Set<string>(), sizes: new Set<string>(), backgrounds: new Set<string>() };
  for (let k = 0; k < 400; k++) {
    const s = sampleScene(1, k);
    assert.ok(s.objects.length >= 1 && s.objects.length <= 3);
    const groups = groupsOf(s);
    assert.equal(new Set(groups.map((g) => g.shape)).size, groups.length);
    for (const g of groups) {
      assert.ok(g.objects.every((o) => o.color === g.color && o.size === g.size));
      seen.counts.add(g.count);
    }
    assert.equal(new Set(s.objects.map((o) => o.position)).size, s.objects.length, "each object in its own slot");
    for (const o of s.objects) {
      assert.equal(positionOf(o.x, o.y, s.width, s.height), o.position);
      seen.shapes.add(o.shape);
      seen.positions.add(o.position);
      seen.sizes.add(o.size);
    }
    seen.backgrounds.add(s.background);
    // A one-pixel border of pure background (the detector's reference).
    const img = renderScene(s), n = s.width * s.height, W = s.width;
    for (let i = 0; i < n; i++) {
      const x = i % W, y = Math.floor(i / W);
      if (x === 0 || y === 0 || x === W - 1 || y === W - 1) {
        assert.deepEqual([img.data[i], img.data[n + i], img.data[2 * n + i]], [...BACKGROUNDS[s.background]], `scene ${k} border pixel (${x}, ${y})`);
      }
    }
  }
  assert.deepEqual([...seen.shapes].sort(), [...SHAPES].sort());
  assert.deepEqual([...seen.counts].sort(), [1, 2, 3]);
  assert.deepEqual([...seen.positions].sort(), [...POSITIONS].sort());
  assert.deepEqual([...seen.sizes].sort(), ["large", "small"]);
  assert.ok(["white", "black"].every((b) => seen.backgrounds.has(b)));
});

test("edges are anti-aliased: pixels between the background and the shape's colour occur", () => {
  const s = sampleScene(2, 0), img = renderScene(s);
  const values = new Set(img.data);
  assert.ok(values.size > 10, `only ${values.size} distinct channel values`);
});

test("captions state only what the scene shows; every answer follows from the scene", () => {
  const kinds = new Set<string>();
  for (let k = 0; k < 300; k++) {
    const scene = sampleScene(9, k, k % 3 === 0 ? "heldout" : "train");
    const rng = new Rng(9, PURPOSE.trainText, k);
    const cap = captionScene(scene, rng);
    assert.match(cap.text, /^[a-z ,]+$/, "plain lower-case words");
    const parsed = parseCaption(cap.text);
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(cap.spec)), `"${cap.text}"`);
    const full = specOfScene(scene);
    assert.equal(parsed.groups.length, full.groups.length);
    parsed.groups.forEach((g, i) => {
      const f = full.groups[i]!;
      assert.deepEqual([g.shape, g.color, g.count], [f.shape, f.color, f.count], `"${cap.text}"`);
      if (g.size) assert.equal(g.size, f.size);
      if (g.positions) assert.deepEqual(g.positions, f.positions);
    });
    if (parsed.background) assert.equal(parsed.background, scene.background);
    assert.match(textLine(scene, rng), /^[a-z ,.]+$/);
    for (const q of questionsFor(scene, rng)) {
      kinds.add(q.kind);
      assert.match(q.question, /^[A-Z][a-z ]+[?.]$/);
      if (q.kind === "caption") {
        const p = parseCaption(q.answer);
        assert.deepEqual(p.groups.map((g) => [g.shape, g.color, g.count]), full.groups.map((g) => [g.shape, g.color, g.count]));
      } else {
        assert.match(q.answer, /^[a-z]+$/, "single-word answers");
        assert.equal(q.answer, answer(scene, q.question), `${q.question} (scene ${JSON.stringify(scene.objects)})`);
      }
    }
  }
  assert.deepEqual([...kinds].sort(), ["background", "caption", "color", "count", "position", "shape", "size", "total"]);
  // The issue's own phrasings occur.
  const all = Array.from({ length: 200 }, (_, k) => questionsFor(sampleScene(9, k), new Rng(9, PURPOSE.trainText, k)).map((q) => q.question)).flat();
  for (const re of [/^What color is the \w+\?$/, /^How many \w+ are there\?$/, /^Where is the \w+\?$/, /^What shape is in the image\?$/, /^What is in the image\?$/]) {
    assert.ok(all.some((q) => re.test(q)), `no question like ${re}`);
  }
});

test("held-out (color, shape) pairs never occur in training scenes; half the held-out scenes hold one", () => {
  for (let k = 0; k < 2000; k++) assert.ok(!hasHeldoutCombo(sampleScene(0, k, "train")), `training scene ${k}`);
  const novel = Array.from({ length: 200 }, (_, k) => hasHeldoutCombo(sampleScene(0, k, "heldout")));
  assert.ok(novel.every((v, k) => k % 2 === 1 || v), "every even held-out scene holds a held-out pair");
});

test("the detector reads ≥ 99% of the generator's pictures right, per category and overall", () => {
  const N = 600;
  const ok = Object.fromEntries([...MATCH_CATEGORIES, "overall"].map((c) => [c, 0])) as Record<string, number>;
  for (let k = 0; k < N; k++) {
    const scene = sampleScene(42, k, k % 4 === 0 ? "heldout" : "train");
    const m = matches(specOfScene(scene), detectScene(renderScene(scene)));
    for (const c of Object.keys(ok)) if (m[c as keyof typeof m]) ok[c]!++;
  }
  const rates = Object.fromEntries(Object.entries(ok).map(([c, v]) => [c, v / N]));
  console.log(`detector on ${N} generated scenes: ${Object.entries(rates).map(([c, r]) => `${c} ${(100 * r).toFixed(1)}%`).join(", ")}`);
  for (const [c, r] of Object.entries(rates)) assert.ok(r >= 0.99, `${c}: ${(100 * r).toFixed(1)}% < 99%`);
});

test("matches: a wrong colour, kind, count or place fails its own category; unstated ones are null", () => {
  const scene = sampleScene(3, 0);
  const det = detectScene(renderScene(scene));
  const o = det.shapes[0]!;
  const spec: SceneSpec = { groups: [{ shape: "circle", color: "red", count: 1 }] };
  const one = (shape: typeof o.shape, color: typeof o.color, position = o.position) => ({ ...det, shapes: [{ ...o, shape, color, position }] });
  assert.deepEqual(matches(spec, one("circle", "red")), { color: true, shape: true, count: true, position: null, size: null, background: null, overall: true });
  assert.equal(matches(spec, one("circle", "blue")).color, false);
  assert.equal(matches(spec, one("square", "red")).shape, false);
  assert.equal(matches(spec, one("square", "red")).count, true);
  assert.equal(matches(spec, { ...det, shapes: [] }).count, false);
  const placed: SceneSpec = { groups: [{ shape: "circle", color: "red", count: 1, positions: ["left"] }] };
  assert.equal(matches(placed, one("circle", "red", "left")).position, true);
  assert.equal(matches(placed, one("circle", "red", "right")).overall, false);
});

test("showo data shapes writes what the trainer's readers accept, byte-identical on a rerun, scene k independent of --n", () => {
  const out = join(dir, "a");
  const r = showo("data", "shapes", "--out", out, "--n", "24", "--heldout-n", "10", "--seed", "3");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^data shapes: 24 training images \(\d+ questions\), 10 held-out \(\d+ with held-out pairs, \d+ questions\)/);
  assert.equal(r.stdout.trim().split("\n").length, 1, "one line");
  const caps = readCaptionFolder(join(out, "train"));
  assert.equal(caps.length, 24);
  assert.equal(readCaptionFolder(join(out, "heldout")).length, 10);
  assert.equal(readTextFile(join(out, "train-text.jsonl")).length, 24);
  assert.equal(readTextFile(join(out, "heldout-text.jsonl")).length, 10);
  const qa = readQaFile(join(out, "train-qa.jsonl"));
  assert.ok(qa.length > 24 * 4);
  assert.ok(readQaFile(join(out, "heldout-qa.jsonl")).length > 10 * 4);
  // Pictures on disk read back through PNG and the detector as their prompts say.
  const prompts = readFileSync(join(out, "heldout-prompts.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { prompt: string; image: string; novel: boolean; spec: SceneSpec; scene: Scene });
  assert.equal(prompts.length, 10);
  for (const p of prompts) {
    assert.equal(matches(p.spec, detectScene(readPng(join(out, p.image)))).overall, true, p.prompt);
    assert.equal(p.novel, hasHeldoutCombo(p.scene));
  }
  // No training text names a held-out pair.
  const trainText = ["train/captions.jsonl", "train-text.jsonl", "train-qa.jsonl"].map((f) => readFileSync(join(out, f), "utf8")).join("\n");
  for (const { color, shape } of HELDOUT_COMBOS) {
    assert.doesNotMatch(trainText, new RegExp(`\\b${color} (small |large )?${shape === "cross" ? "cross(es)?" : `${shape}s?`}\\b`));
  }
  // Rerun into the same folder, and a smaller --n elsewhere: the same bytes.
  const before = tree(out);
  assert.equal(showo("data", "shapes", "--out", out, "--n", "24", "--heldout-n", "10", "--seed", "3").status, 0);
  assert.deepEqual(tree(out), before);
  const small = join(dir, "b");
  writeShapesData({ out: small, n: 7, heldoutN: 3, seed: 3 });
  for (let k = 0; k < 7; k++) {
    const name = `${String(k).padStart(5, "0")}.png`;
    assert.deepEqual(readFileSync(join(small, "train", name)), before.get(join("train", name)));
  }
  const lines = (base: string, f: string) => readFileSync(join(base, f), "utf8").trim().split("\n");
  assert.deepEqual(lines(small, "train/captions.jsonl"), lines(out, "train/captions.jsonl").slice(0, 7));
  assert.deepEqual(lines(small, "heldout-prompts.jsonl"), lines(out, "heldout-prompts.jsonl").slice(0, 3));
  assert.ok(!readdirSync(out).some((f) => f.includes(".tmp-")), "no temporary files left");
});

test("showo data shapes refuses a bad count with a clear message", () => {
  const r = showo("data", "shapes", "--out", join(dir, "c"), "--n", "ten");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--n takes a whole number, got 'ten'/);
});
