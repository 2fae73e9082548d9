// The words of the shapes world: captions from templates, question–answer pairs and plain
// sentences, all lower case except that questions start with a capital and end with "?".
// American spelling ("color", "gray", "center"). Each function draws its choices from the Rng it
// is given, so a file's text is a pure function of the seed and the image number.
//
// Every question is one whose answer the scene fixes: groups never share a kind (world.ts), so
// "the {shape}" is always one group; "Where is the {shape}?" is asked only of a group of one;
// "Which shape is {color}?" only when exactly one object has that colour; "What shape is in the
// image?" only when the scene has one kind. Answers are single words ("red", "two", "left",
// "triangle", "small", "zero" for a kind that is absent) except the caption question's.

import type { Rng } from "./random.ts";
import type { Background, Group, Position, Scene, SceneSpec, Shape, SpecGroup } from "./world.ts";
import { SHAPES, groupsOf } from "./world.ts";

export const NUMBER_WORDS = ["zero", "one", "two", "three"] as const;

export function numberWord(n: number): string {
  const w = NUMBER_WORDS[n];
  if (w === undefined) throw new Error(`no number word for ${n}`);
  return w;
}

export function plural(shape: Shape): string {
  return shape === "cross" ? "crosses" : `${shape}s`;
}

export const POSITION_PHRASES: Record<Position, string> = {
  left: "on the left",
  right: "on the right",
  top: "at the top",
  bottom: "at the bottom",
  center: "in the center",
};

function article(next: string): string {
  return /^[aeiou]/.test(next) ? "an" : "a";
}

/** "a", "a and b", "a, b, and c". */
export function joinList(items: readonly string[]): string {
  if (items.length <= 2) return items.join(" and ");
  return `${items.slice(0, -1).join(", ")}, and ${items[items.length - 1]}`;
}

/** "a small red circle on the left", "two blue squares". */
function groupPhrase(g: Group, withSize: boolean, withPosition: boolean): string {
  const words = [...(withSize ? [g.size] : []), g.color, g.count === 1 ? g.shape : plural(g.shape)].join(" ");
  const head = g.count === 1 ? `${article(words)} ${words}` : `${numberWord(g.count)} ${words}`;
  return withPosition && g.count === 1 ? `${head} ${POSITION_PHRASES[g.objects[0]!.position]}` : head;
}

export interface Caption {
  readonly text: string;
  /** What the caption states (size, positions and background only when mentioned). */
  readonly spec: SceneSpec;
}

type Frame = "plain" | "picture" | "image" | "there";
const FRAMES: readonly (readonly [Frame, number])[] = [["plain", 0.5], ["picture", 0.15], ["image", 0.15], ["there", 0.2]];

/**
 * A caption: the groups in scene order, each naming its count, colour and kind, sometimes its size
 * and (a group of one) its position; sometimes the background; in one of four frames ("…", "a
 * picture of …", "an image of …", "there is/are …").
 */
export function captionScene(scene: Scene, rng: Rng): Caption {
  const specGroups: SpecGroup[] = [];
  const phrases = groupsOf(scene).map((g) => {
    const withSize = rng.chance(0.35), withPosition = g.count === 1 && rng.chance(0.5);
    specGroups.push({
      shape: g.shape, color: g.color, count: g.count,
      ...(withSize ? { size: g.size } : {}),
      ...(withPosition ? { positions: [g.objects[0]!.position] } : {}),
    });
    return groupPhrase(g, withSize, withPosition);
  });
  const withBackground = rng.chance(0.4);
  let text = joinList(phrases);
  const frame = rng.weighted(FRAMES);
  if (frame === "picture") text = `a picture of ${text}`;
  else if (frame === "image") text = `an image of ${text}`;
  else if (frame === "there") text = `there ${groupsOf(scene)[0]!.count === 1 ? "is" : "are"} ${text}`;
  if (withBackground) text += ` on ${article(scene.background)} ${scene.background} background`;
  const spec: SceneSpec = withBackground ? { background: scene.background, groups: specGroups } : { groups: specGroups };
  return { text, spec };
}

export type QuestionKind = "color" | "count" | "position" | "shape" | "size" | "background" | "total" | "caption";
export const QUESTION_KINDS: readonly QuestionKind[] = ["color", "count", "position", "shape", "size", "background", "total", "caption"];

export interface QaPair {
  readonly question: string;
  readonly answer: string;
  readonly kind: QuestionKind;
}

/** The question–answer pairs of a scene: every kind that applies, each in a phrasing drawn from rng. */
export function questionsFor(scene: Scene, rng: Rng): QaPair[] {
  const groups = groupsOf(scene);
  const total = scene.objects.length;
  const out: QaPair[] = [];
  const ask = (kind: QuestionKind, phrasings: readonly string[], answer: string) => out.push({ question: rng.pick(phrasings), answer, kind });
  for (const g of groups) {
    const k = g.shape, ks = plural(g.shape);
    if (g.count === 1) {
      ask("color", [`What color is the ${k}?`, `What is the color of the ${k}?`, `Which color is the ${k}?`], g.color);
      ask("position", [`Where is the ${k}?`, `Where is the ${k} located?`, `In which part of the image is the ${k}?`], g.objects[0]!.position);
      ask("size", [`Is the ${k} small or large?`, `What size is the ${k}?`, `How big is the ${k}?`], g.size);
    } else {
      ask("color", [`What color are the ${ks}?`, `What is the color of the ${ks}?`, `Which color are the ${ks}?`], g.color);
      ask("size", [`Are the ${ks} small or large?`, `What size are the ${ks}?`, `How big are the ${ks}?`], g.size);
    }
    ask("count", [`How many ${ks} are there?`, `How many ${ks} are in the image?`, `How many ${ks} can you see?`], numberWord(g.count));
  }
  for (const g of groups) {
    if (g.count === 1 && scene.objects.filter((o) => o.color === g.color).length === 1) {
      ask("shape", [`Which shape is ${g.color}?`, `What is the shape of the ${g.color} object?`, `Which shape has the color ${g.color}?`], g.shape);
    }
  }
  const absent = SHAPES.filter((s) => !groups.some((g) => g.shape === s));
  if (absent.length > 0 && rng.chance(0.5)) {
    const ks = plural(rng.pick(absent));
    ask("count", [`How many ${ks} are there?`, `How many ${ks} are in the image?`, `How many ${ks} can you see?`], "zero");
  }
  if (groups.length === 1) ask("shape", ["What shape is in the image?", "What shape is shown?", "What shape do you see?"], groups[0]!.shape);
  ask("total", ["How many shapes are there?", "How many objects are in the image?", "How many shapes can you see?"], numberWord(total));
  ask("background", ["What color is the background?", "What is the background color?", "Which color is the background?"], scene.background);
  ask("caption", ["What is in the image?", "Describe the image.", "What does the image show?"], captionScene(scene, rng).text);
  return out;
}

/** Plain statements about a scene, for the LM text ("the circle is red", "there are two squares"). */
export function statements(scene: Scene): string[] {
  const out: string[] = [];
  for (const g of groupsOf(scene)) {
    const k = g.shape, ks = plural(g.shape);
    if (g.count === 1) {
      out.push(`the ${k} is ${g.color}`, `the ${k} is ${g.size}`, `the ${k} is ${POSITION_PHRASES[g.objects[0]!.position]}`, `there is one ${k}`);
    } else {
      out.push(`the ${ks} are ${g.color}`, `the ${ks} are ${g.size}`, `there are ${numberWord(g.count)} ${ks}`);
    }
  }
  out.push(`the background is ${scene.background as Background}`);
  return out;
}

/** One LM text line: a caption and two or three statements, as sentences. */
export function textLine(scene: Scene, rng: Rng): string {
  const s = rng.shuffle(statements(scene)).slice(0, 2 + rng.int(2));
  return [captionScene(scene, rng).text, ...s].map((x) => `${x}.`).join(" ");
}
