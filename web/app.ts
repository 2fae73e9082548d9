// The page `showo serve` hands out: it loads a compiled package (showo compile --package) as plain
// ES modules and the shipped weights, both from the server, and runs them on navigator.gpu. No
// compiler runs here: the package only creates pipelines and records launches.
//
// The page's state is on <body data-state> ("loading", "ready", "generating", "answering",
// "error"), so a script (the browser test) can wait for it.

/** What the server says about the model (GET model.json). */
interface ModelInfo {
  readonly model: string;
  readonly vqModel: string;
  /** One line on where the weights come from and how well they do. */
  readonly about: string;
  readonly limits: string;
  readonly packageUrl: string;
  readonly weights: { readonly showo: string; readonly vq: string };
}

interface Picture {
  readonly channels: number;
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

interface RgbaPicture {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

/** The part of a compiled package's API the page uses (its dist/index.d.ts has the full types). */
interface ShowoModule {
  checkDevice(target: GPUAdapter): string[];
  requestDevice(adapter: GPUAdapter): Promise<GPUDevice>;
  readNoise(bytes: Uint8Array): { readonly steps: number };
  readonly ShowoPackage: {
    create(device: GPUDevice, weights: { showo: string; vq: string }): Promise<ShowoPackageApi>;
  };
}

interface ShowoPackageApi {
  generate(prompt: string, options: {
    steps?: number; guidance?: number; seed?: number; noise?: unknown;
    onStep?: (info: { readonly step: number }) => void;
  }): Promise<{ readonly codes: Int32Array; readonly image: Picture; readonly rgba: Uint8ClampedArray }>;
  understand(image: Picture | RgbaPicture, question: string, options: { onToken?: (token: number, answer: string) => void }): Promise<{ readonly answer: string; readonly codes: readonly number[] }>;
}

type State = "loading" | "ready" | "generating" | "answering" | "error";

function el<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

const status = el<HTMLParagraphElement>("status");
const canvas = el<HTMLCanvasElement>("canvas");
const progress = el<HTMLProgressElement>("progress");
const progressText = el<HTMLSpanElement>("progress-text");
const answerOut = el<HTMLOutputElement>("answer");
const codesOut = el<HTMLPreElement>("codes");
const buttons = [el<HTMLButtonElement>("generate"), el<HTMLButtonElement>("ask")];

function setState(s: State, message: string): void {
  document.body.dataset["state"] = s;
  status.classList.remove("warning");
  status.textContent = message;
  for (const b of buttons) b.disabled = s !== "ready";
}

/** A fault the page cannot go on from (no WebGPU, the package or weights failed to load, device lost). */
function fail(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  setState("error", message);
  status.classList.remove("warning");
  console.error(e);
}

/** A refused request (an empty prompt, a bad noise file, a question too long): say why and go on. */
function refuse(e: unknown): void {
  if (document.body.dataset["state"] === "error") return;
  setState("ready", e instanceof Error ? e.message : String(e));
  status.classList.add("warning");
}

/** The picture the questions are about: the last generated one or an uploaded one. */
let picture: Picture | RgbaPicture | undefined;

/** Draws RGBA bytes upscaled (nearest neighbour) onto the page's canvas. */
function show(rgba: Uint8ClampedArray, width: number, height: number): void {
  const small = document.createElement("canvas");
  small.width = width;
  small.height = height;
  small.getContext("2d")!.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  const ctx = canvas.getContext("2d")!;
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

function numberField(id: string, what: string, integer: boolean): number {
  const v = Number(el<HTMLInputElement>(id).value);
  if (!Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) throw new Error(`${what} must be a ${integer ? "non-negative integer" : "non-negative number"}`);
  return v;
}

async function main(): Promise<void> {
  const info = (await (await fetch("model.json")).json()) as ModelInfo;
  el<HTMLParagraphElement>("model").textContent = `${info.model} with ${info.vqModel}, compiled for ${info.limits} limits. ${info.about}`;
  if (!("gpu" in navigator)) throw new Error("this browser has no WebGPU (navigator.gpu is missing): use a browser with WebGPU enabled");
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error("WebGPU is present but offers no adapter");
  const pkg = (await import(info.packageUrl)) as ShowoModule;
  const missing = pkg.checkDevice(adapter);
  if (missing.length > 0) throw new Error(`this GPU cannot run the package: ${missing.join("; ")}`);
  const device = await pkg.requestDevice(adapter);
  device.lost.then((l) => fail(new Error(`the GPU device was lost (${l.reason}): ${l.message}; reload the page`)), () => {});
  setState("loading", "Loading the weights and building the pipelines (the first time can take a minute)…");
  const model = await pkg.ShowoPackage.create(device, info.weights);
  setState("ready", "Ready.");

  el<HTMLFormElement>("generate-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void (async () => {
      try {
        const prompt = el<HTMLInputElement>("prompt").value.trim();
        if (!prompt) throw new Error("type a prompt first");
        const file = el<HTMLInputElement>("noise").files?.[0];
        const noise = file ? pkg.readNoise(new Uint8Array(await file.arrayBuffer())) : undefined;
        const steps = noise ? noise.steps : numberField("steps", "Steps", true);
        if (steps < 1) throw new Error("Steps must be at least 1");
        const guidance = numberField("guidance", "Guidance", false), seed = numberField("seed", "Seed", true);
        progress.max = steps;
        progress.value = 0;
        progressText.textContent = `0 / ${steps}`;
        setState("generating", `Generating "${prompt}"…`);
        const t0 = performance.now();
        const out = await model.generate(prompt, {
          steps, guidance, ...(noise ? { noise } : { seed }),
          onStep: (i) => {
            progress.value = i.step + 1;
            progressText.textContent = `${i.step + 1} / ${steps}`;
          },
        });
        picture = out.image;
        show(out.rgba, out.image.width, out.image.height);
        codesOut.textContent = Array.from(out.codes).join(" ");
        answerOut.textContent = "";
        setState("ready", `Generated "${prompt}" in ${((performance.now() - t0) / 1000).toFixed(1)} s${noise ? ` (noise from ${file!.name})` : ` (seed ${seed})`}.`);
      } catch (e) {
        refuse(e);
      }
    })();
  });

  // A noise file fixes the step count: show it, and read the file once more when generating.
  el<HTMLInputElement>("noise").addEventListener("change", (ev) => {
    void (async () => {
      const steps = el<HTMLInputElement>("steps");
      const file = (ev.target as HTMLInputElement).files?.[0];
      steps.disabled = file !== undefined;
      if (!file) return;
      try {
        steps.value = String(pkg.readNoise(new Uint8Array(await file.arrayBuffer())).steps);
      } catch (e) {
        refuse(e);
      }
    })();
  });

  el<HTMLInputElement>("upload").addEventListener("change", (ev) => {
    void (async () => {
      try {
        const file = (ev.target as HTMLInputElement).files?.[0];
        if (!file) return;
        const bitmap = await createImageBitmap(file);
        const c = document.createElement("canvas");
        c.width = bitmap.width;
        c.height = bitmap.height;
        const ctx = c.getContext("2d")!;
        ctx.drawImage(bitmap, 0, 0);
        const data = ctx.getImageData(0, 0, c.width, c.height);
        picture = { width: data.width, height: data.height, data: data.data };
        show(data.data, data.width, data.height);
        codesOut.textContent = "";
        answerOut.textContent = "";
        setState("ready", `Showing ${file.name} (${data.width}×${data.height}).`);
      } catch (e) {
        refuse(new Error(`could not read that image: ${e instanceof Error ? e.message : String(e)}`));
      }
    })();
  });

  el<HTMLFormElement>("ask-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void (async () => {
      try {
        const question = el<HTMLInputElement>("question").value.trim();
        if (!question) throw new Error("type a question first");
        if (!picture) throw new Error("generate or upload a picture first");
        answerOut.textContent = "";
        setState("answering", `Answering "${question}"…`);
        const out = await model.understand(picture, question, { onToken: (_t, answer) => { answerOut.textContent = answer; } });
        answerOut.textContent = out.answer;
        if (codesOut.textContent === "") codesOut.textContent = out.codes.join(" ");
        setState("ready", `Answered "${question}".`);
      } catch (e) {
        refuse(e);
      }
    })();
  });
}

main().catch(fail);
