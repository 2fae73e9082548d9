// `showo compile MODEL --target wgsl --package DIR`: a Show-o model compiled into a self-contained
// ES-module package. The executables its jobs need (T2I: the prefix and step graphs of
// t2i-graph.ts for every P' a one-prompt guided batch can have, or those asked for, and the
// MAGVIT-v2 decoder; understanding: the encoder and the MMU prefill and decode graphs of
// kv-graph.ts for fixed prompt and cache lengths) are lowered for the stated limits; their
// kernels, launch lists and memory plans become data; the package's TypeScript is generated with
// ts-morph (typed raw executables whose input and output types carry the graphs' shapes, and the
// `generate` and `understand` entry points), type-checked in memory together with the project's
// browser-safe modules it runs on (runtime/web/, the samplers' host halves, the word tokenizer),
// and emitted as .js + .d.ts. A diagnostic fails the compile and is printed.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { SourceFile } from "ts-morph";
import { Project, StructureKind, VariableDeclarationKind, ts } from "ts-morph";
import type { CompileLimits } from "../../backends/wgsl/compile-limits.ts";
import { capsFromLimits } from "../../backends/wgsl/compile-limits.ts";
import { workgroupBytes } from "../../compiler/kernels/kernel-ir.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { concreteShape } from "../../compiler/ir/types.ts";
import { MAGVIT2_CONFIGS, Magvit2, downFactor, magvit2DecodeGraph, magvit2EncodeGraph } from "../../models/magvit2.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import { Showo, imageGrid } from "../../models/showo.ts";
import { lower } from "../executable.ts";
import type { CompiledGraph } from "../executable.ts";
import { kvCacheNames, showoDecodeGraph, showoPrefillGraph } from "../sampling/kv-graph.ts";
import { DROP_GRANULE, textRows } from "../sampling/t2i-layout.ts";
import { t2iPrefixGraph, t2iStepGraph } from "../sampling/t2i-graph.ts";
import { packageRoot } from "../package-root.ts";
import type { ExecutableData } from "../web/executable-data.ts";
import { KernelTable, executableData } from "./executable-data.ts";

/** The project's modules the generated code imports; their relative imports come along. */
const RUNTIME_ENTRIES = ["runtime/web/gpu-executable.ts", "runtime/web/weights.ts", "runtime/web/showo-t2i.ts", "runtime/web/showo-mmu.ts", "runtime/web/requirements.ts", "runtime/sampling/noise-data.ts", "runtime/image-data.ts", "runtime/tokenizer/words.ts"];

export interface PackageResult {
  readonly dir: string;
  readonly executables: readonly string[];
  readonly kernels: number;
  readonly files: readonly string[];
}

/** Rows of the T2I graphs: one prompt and its unconditional twin. */
const T2I_ROWS = 2;

export interface PackageOptions {
  /**
   * The P' (text rows after the dropped padding) to compile T2I graphs for; every possible one when
   * absent. A prompt whose batch needs another P' is refused by `generate` with the compiled list.
   */
  readonly textLens?: readonly number[];
  /** The MMU prefill's prompt length (default 4 + image tokens + text budget: [MMU] [SOI] image [EOI] [SOT] question). */
  readonly mmuPromptLen?: number;
  /** The MMU K/V cache's slots: the prompt and one per new token (default prompt length + text budget). */
  readonly mmuCacheLen?: number;
}

/** Every P' = P − d with d a multiple of DROP_GRANULE below P (t2iBatchLayout), longest first. */
export function possibleTextLens(cfg: ShowoConfig): number[] {
  const P = textRows(cfg);
  const out: number[] = [];
  for (let d = 0; d < P; d += DROP_GRANULE) out.push(P - d);
  return out;
}

export function writeShowoPackage(cfg: ShowoConfig, limits: CompileLimits, dir: string, name: string, opts: PackageOptions = {}): PackageResult {
  if (cfg.textTokenizer !== "shapes-words") throw new Error(`--package: ${cfg.name} uses the '${cfg.textTokenizer}' tokenizer; packages bundle the word tokenizer only so far (showo-shapes)`);
  const vqCfg = MAGVIT2_CONFIGS[cfg.vqModel];
  if (!vqCfg) throw new Error(`--package: ${cfg.name}'s image tokenizer '${cfg.vqModel}' is not a registered MAGVIT-v2 config`);
  const caps = capsFromLimits(limits);
  const table = new KernelTable();
  const exes: Record<string, ExecutableData> = {};
  const compiled: Record<string, CompiledGraph> = {};
  const add = (key: string, g: Graph) => {
    const c = lower(g, caps);
    compiled[key] = c;
    exes[key] = executableData(key, c, table);
  };
  const model = new Showo(cfg);
  const possible = possibleTextLens(cfg);
  for (const t of opts.textLens ?? []) if (!possible.includes(t)) throw new Error(`--text-lens: ${cfg.name}'s T2I batches have ${possible.join(", ")} text rows after the dropped padding, not ${t}`);
  const textLens = opts.textLens && opts.textLens.length > 0 ? possible.filter((t) => opts.textLens!.includes(t)) : possible;
  const mmu = { promptLen: opts.mmuPromptLen ?? 4 + cfg.imageTokens + cfg.textBudget, cacheLen: 0 };
  mmu.cacheLen = opts.mmuCacheLen ?? mmu.promptLen + cfg.textBudget;
  if (mmu.promptLen < cfg.imageTokens + 5) throw new Error(`--mmu-prompt-len ${mmu.promptLen}: an MMU prompt of ${cfg.name} holds ${cfg.imageTokens + 4} ids and at least one of the question`);
  if (mmu.cacheLen <= mmu.promptLen) throw new Error(`--mmu-cache-len ${mmu.cacheLen} must exceed the prompt length ${mmu.promptLen}`);
  for (const t of textLens) {
    add(`t2iPrefix${t}`, t2iPrefixGraph(cfg, T2I_ROWS, model, t));
    add(`t2iStep${t}`, t2iStepGraph(cfg, T2I_ROWS, model, t));
  }
  const grid = imageGrid(cfg);
  const vqModel = new Magvit2(vqCfg);
  add("vqDecode", magvit2DecodeGraph(vqCfg, { batch: 1, h: grid, w: grid }, vqModel));
  // Understanding: the encoder, and the MMU prefill and decode for the fixed prompt and cache lengths.
  add("vqEncode", magvit2EncodeGraph(vqCfg, { batch: 1, size: grid * downFactor(vqCfg) }, vqModel));
  add("mmuPrefill", showoPrefillGraph(cfg, { batch: 1, ...mmu }, model));
  add("mmuDecode", showoDecodeGraph(cfg, { batch: 1, ...mmu }, model));

  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2023, lib: ["lib.esnext.d.ts", "lib.dom.d.ts"],
      module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true, rewriteRelativeImportExtensions: true, verbatimModuleSyntax: true,
      strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: true,
      declaration: true, rootDir: "/src", outDir: "/out", types: [],
    },
  });
  const root = packageRoot();
  project.createSourceFile("/src/webgpu.d.ts", readFileSync(join(root, "node_modules/@webgpu/types/dist/index.d.ts"), "utf8"));
  for (const f of runtimeClosure(root)) project.createSourceFile(`/src/lib/${f}`, readFileSync(join(root, f), "utf8"));
  writeData(project.createSourceFile("/src/data.ts"), table, exes);
  writeIndex(project.createSourceFile("/src/index.ts"), cfg, compiled, textLens, mmu, limits, requirements(table, compiled), vqCfg.name, name);

  const diags = project.getPreEmitDiagnostics();
  if (diags.length > 0) throw new Error(`--package: the generated package does not type-check (${diags.length} diagnostics):\n${project.formatDiagnosticsWithColorAndContext(diags)}`);
  const emitted = project.emitToMemory();
  const files: string[] = [];
  for (const f of emitted.getFiles()) {
    const rel = join("dist", relative("/out", f.filePath));
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), f.text);
    files.push(rel);
  }
  mkdirSync(join(dir, "kernels"), { recursive: true });
  table.kernels.forEach((k, i) => writeFileSync(join(dir, "kernels", `${String(i).padStart(3, "0")}_${k.name}.wgsl`), k.source));
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({
    name, version: "0.1.0", type: "module", description: `${cfg.name} compiled to WGSL by showo-compiler (${limits.source} limits)`,
    main: "./dist/index.js", types: "./dist/index.d.ts",
    exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
    files: ["dist/", "kernels/"], sideEffects: false,
    peerDependencies: { "@webgpu/types": "*" }, peerDependenciesMeta: { "@webgpu/types": { optional: true } },
  }, null, 2)}\n`);
  return { dir, executables: Object.keys(exes), kernels: table.kernels.length, files };
}

/** The project files the runtime entries import, transitively; refuses Node built-ins and packages. */
export function runtimeClosure(root: string): string[] {
  const seen = new Set<string>();
  const visit = (f: string, from: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    const text = readFileSync(join(root, f), "utf8");
    for (const m of text.matchAll(/(?:import|export)[^;]*?from\s+"([^"]+)"/g)) {
      const spec = m[1]!;
      if (!spec.startsWith(".")) throw new Error(`--package: ${f} (imported by ${from}) imports '${spec}'; the package's run-time may import only the project's browser-safe modules`);
      visit(join(dirname(f), spec), f);
    }
  };
  for (const e of RUNTIME_ENTRIES) visit(e, "the package");
  return [...seen].sort();
}

/** What the kernels need of a device: the largest of each limit they use, and their features. */
export function requirements(table: KernelTable, compiled: Readonly<Record<string, CompiledGraph>>): { limits: Record<string, number>; features: string[] } {
  const l: Record<string, number> = {
    maxStorageBuffersPerShaderStage: 0, maxStorageBufferBindingSize: 0, maxBufferSize: 0, maxComputeWorkgroupStorageSize: 0,
    maxComputeInvocationsPerWorkgroup: 0, maxComputeWorkgroupSizeX: 0, maxComputeWorkgroupSizeY: 0, maxComputeWorkgroupSizeZ: 0,
  };
  const up = (k: string, v: number) => { l[k] = Math.max(l[k] ?? 0, v); };
  const features = new Set<string>();
  for (const c of Object.values(compiled)) {
    for (const a of c.plan.arenas) up("maxBufferSize", a.bytes);
    for (const p of c.plan.placements) up("maxStorageBufferBindingSize", p.bytes);
    for (const launch of c.launches) {
      const k = launch.kernel;
      up("maxStorageBuffersPerShaderStage", k.bindings.length);
      up("maxComputeWorkgroupStorageSize", workgroupBytes(k));
      const [x, y, z] = k.workgroupSize;
      up("maxComputeInvocationsPerWorkgroup", x * y * z);
      up("maxComputeWorkgroupSizeX", x);
      up("maxComputeWorkgroupSizeY", y);
      up("maxComputeWorkgroupSizeZ", z);
    }
    if (c.caps.f16) features.add("shader-f16");
  }
  for (const k of table.kernels) if (/\benable subgroups\b/.test(k.source)) features.add("subgroups");
  for (const k of table.kernels) if (/\benable f16\b/.test(k.source)) features.add("shader-f16");
  if (!table.kernels.some((k) => /\benable f16\b/.test(k.source))) features.delete("shader-f16");
  return { limits: l, features: [...features].sort() };
}

function writeData(f: SourceFile, table: KernelTable, exes: Readonly<Record<string, ExecutableData>>): void {
  f.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: "./lib/runtime/web/executable-data.ts", namedImports: ["ExecutableData", "KernelData"] });
  f.addVariableStatement({
    isExported: true, declarationKind: VariableDeclarationKind.Const,
    docs: ["Every distinct kernel of the package: WGSL text and interface."],
    declarations: [{ name: "KERNELS", type: "readonly KernelData[]", initializer: JSON.stringify(table.kernels) }],
  });
  f.addVariableStatement({
    isExported: true, declarationKind: VariableDeclarationKind.Const,
    docs: ["Every executable: arenas, leaves and launches."],
    declarations: [{ name: "EXECUTABLES", type: "Readonly<Record<string, ExecutableData>>", initializer: JSON.stringify(exes) }],
  });
}

/** A tensor type with its dtype and shape as literal types. */
function tensorType(dtype: string, shape: readonly number[]): string {
  return `Tensor<"${dtype}", readonly [${shape.join(", ")}]>`;
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function writeIndex(f: SourceFile, cfg: ShowoConfig, compiled: Readonly<Record<string, CompiledGraph>>, textLens: readonly number[], mmu: { promptLen: number; cacheLen: number }, limits: CompileLimits, req: { limits: Record<string, number>; features: string[] }, vqName: string, name: string): void {
  f.addStatements([`// ${name}: ${cfg.name} compiled by showo-compiler for ${limits.source} limits. Generated; do not edit.`]);
  f.addImportDeclarations([
    { moduleSpecifier: "./lib/runtime/web/gpu-executable.ts", namedImports: ["GpuExecutable", "PipelineCache"] },
    { isTypeOnly: true, moduleSpecifier: "./lib/runtime/web/gpu-executable.ts", namedImports: ["KeptTensor"] },
    { moduleSpecifier: "./lib/runtime/web/weights.ts", namedImports: ["readWeights", "weightBytes"] },
    { isTypeOnly: true, moduleSpecifier: "./lib/runtime/web/weights.ts", namedImports: ["ParamSpec", "WeightsSource"] },
    { moduleSpecifier: "./lib/runtime/web/showo-t2i.ts", namedImports: ["generateCodes"] },
    { moduleSpecifier: "./lib/runtime/web/showo-mmu.ts", namedImports: ["answerTokens", "encodeImage", "fromRgba", "questionIds"] },
    { isTypeOnly: true, moduleSpecifier: "./lib/runtime/sampling/mmu-decode.ts", namedImports: ["SampleOptions"] },
    { moduleSpecifier: "./lib/runtime/web/requirements.ts", namedImports: ["missingFor", "requestDeviceFor"] },
    { isTypeOnly: true, moduleSpecifier: "./lib/runtime/web/requirements.ts", namedImports: ["Requirements"] },
    { moduleSpecifier: "./lib/runtime/sampling/noise-data.ts", namedImports: ["noiseFromNpy", "philoxNoise"] },
    { isTypeOnly: true, moduleSpecifier: "./lib/runtime/sampling/noise-data.ts", namedImports: ["SamplingNoise"] },
    { isTypeOnly: true, moduleSpecifier: "./lib/runtime/sampling/t2i-sample.ts", namedImports: ["StepInfo"] },
    { moduleSpecifier: "./lib/runtime/image-data.ts", namedImports: ["fromSigned"] },
    { isTypeOnly: true, moduleSpecifier: "./lib/runtime/image-data.ts", namedImports: ["Image"] },
    { moduleSpecifier: "./lib/runtime/tokenizer/words.ts", namedImports: ["shapesTokenizer"] },
    { moduleSpecifier: "./data.ts", namedImports: ["EXECUTABLES", "KERNELS"] },
  ]);
  const layout = { name: cfg.name, vocab: cfg.vocab, imageTokens: cfg.imageTokens, textBudget: cfg.textBudget, textVocab: cfg.textVocab, endOfText: cfg.endOfText, codebookSize: cfg.codebookSize };
  f.addVariableStatement({ isExported: true, declarationKind: VariableDeclarationKind.Const, docs: ["The model's sequence layout (models/showo-layout.ts)."], declarations: [{ name: "CONFIG", initializer: `${JSON.stringify(layout)} as const` }] });
  f.addVariableStatement({
    isExported: true, declarationKind: VariableDeclarationKind.Const,
    docs: [`What the kernels need of a device (compiled for ${limits.source}): the largest value of each limit they use, and the optional features.`],
    declarations: [{ name: "REQUIREMENTS", type: "Requirements", initializer: JSON.stringify(req) }],
  });
  f.addTypeAlias({ isExported: true, name: "DType", type: `"f32" | "f16" | "bf16" | "i32" | "u32" | "bool"` });
  f.addInterface({
    isExported: true, name: "Tensor", typeParameters: [{ name: "D", constraint: "DType" }, { name: "S", constraint: "readonly number[]" }],
    docs: ["A host tensor: values in float64 whatever the dtype, row-major."],
    properties: [{ name: "dtype", type: "D", isReadonly: true }, { name: "shape", type: "S", isReadonly: true }, { name: "data", type: "Float64Array", isReadonly: true }],
  });
  // Raw executables: typed inputs and outputs from the graphs.
  const names: string[] = [];
  for (const [key, c] of Object.entries(compiled)) {
    const base = pascal(key);
    names.push(key);
    f.addInterface({
      isExported: true, name: `${base}Inputs`, docs: [`Inputs of '${key}' (graph ${c.graph.name}).`],
      properties: c.graph.inputs.map((n) => ({ name: String(n.attrs["name"]), isReadonly: true, type: `${tensorType(n.dtype, concreteShape(n.shape))} | KeptTensor` })),
    });
    f.addInterface({
      isExported: true, name: `${base}Outputs`, docs: [`Outputs of '${key}'.`],
      properties: c.graph.outputs.map((o) => ({ name: o.name, isReadonly: true, type: tensorType(o.node.dtype, concreteShape(o.node.shape)) })),
    });
  }
  f.addInterface({
    isExported: true, name: "Executables", docs: ["The raw executables, by name, with their input and output records."],
    properties: names.map((k) => ({ name: k, isReadonly: true, type: `TypedExecutable<${pascal(k)}Inputs, ${pascal(k)}Outputs>` })),
  });
  f.addInterface({
    isExported: true, name: "TypedExecutable", typeParameters: ["I", "O"],
    methods: [
      { name: "run", parameters: [{ name: "inputs", type: "I" }], returnType: "Promise<O>" },
      { name: "runKeeping", parameters: [{ name: "inputs", type: "I" }, { name: "keep", type: "readonly (keyof O & string)[]" }], returnType: "Promise<{ outputs: Partial<O>; kept: Record<string, KeptTensor> }>" },
    ],
    properties: [{ name: "raw", type: "GpuExecutable", isReadonly: true }],
  });
  f.addInterface({
    isExported: true, name: "GenerateOptions",
    properties: [
      { name: "steps", type: "number", hasQuestionToken: true, docs: ["MaskGIT steps (the noise's, else 16)."] },
      { name: "guidance", type: "number", hasQuestionToken: true, docs: ["Classifier-free guidance (1.75); 0 turns it off."] },
      { name: "temperature", type: "number", hasQuestionToken: true },
      { name: "seed", type: "number", hasQuestionToken: true, docs: ["Seed of the Philox noise (0)."] },
      { name: "noise", type: "SamplingNoise", hasQuestionToken: true, docs: ["Uniforms [steps, 1, N, 2] instead of the seed."] },
      { name: "onStep", type: "(info: StepInfo) => void", hasQuestionToken: true, docs: ["Called after every step (progress)."] },
    ],
  });
  f.addInterface({
    isExported: true, name: "GenerateResult",
    properties: [
      { name: "codes", type: "Int32Array", isReadonly: true, docs: [`Image codes, ${cfg.imageTokens} of them (a ${imageGrid(cfg)}² grid).`] },
      { name: "image", type: "Image", isReadonly: true, docs: ["The decoded picture, planar RGB in [0, 255]."] },
      { name: "rgba", type: "Uint8ClampedArray", isReadonly: true, docs: ["The picture as RGBA bytes (ImageData's layout)."] },
    ],
  });
  f.addInterface({
    isExported: true, name: "UnderstandOptions",
    properties: [
      { name: "maxNewTokens", type: "number", hasQuestionToken: true, docs: [`Stop after this many tokens (at most and by default ${mmu.cacheLen - mmu.promptLen}).`] },
      { name: "sample", type: "SampleOptions", hasQuestionToken: true, docs: ["Temperature / top-k / top-p with a Philox seed; absent: greedy."] },
      { name: "onToken", type: "(token: number, answer: string) => void", hasQuestionToken: true, docs: ["Called with each new token and the answer so far (streaming)."] },
    ],
  });
  f.addInterface({
    isExported: true, name: "UnderstandResult",
    properties: [
      { name: "answer", type: "string", isReadonly: true, docs: ["The answer's text (special tokens dropped)."] },
      { name: "tokens", type: "readonly number[]", isReadonly: true, docs: ["Generated ids, ending with <|endoftext|> when it was reached."] },
      { name: "codes", type: "readonly number[]", isReadonly: true, docs: [`The picture's ${cfg.imageTokens} image codes.`] },
    ],
  });
  f.addInterface({
    isExported: true, name: "PackageWeights",
    properties: [{ name: "showo", type: "WeightsSource", isReadonly: true, docs: [`${cfg.name}'s safetensors (URL or bytes).`] }, { name: "vq", type: "WeightsSource", isReadonly: true, docs: [`${vqName}'s safetensors.`] }],
  });
  const t2iParams = new Map<string, { name: string; dtype: string; shape: number[] }>();
  const vqParamMap = new Map<string, { name: string; dtype: string; shape: number[] }>();
  for (const k of names) for (const p of compiled[k]!.graph.params) (k.startsWith("vq") ? vqParamMap : t2iParams).set(String(p.attrs["name"]), { name: String(p.attrs["name"]), dtype: p.dtype, shape: concreteShape(p.shape) });
  const vqParams = [...vqParamMap.values()];
  f.addVariableStatement({ isExported: true, declarationKind: VariableDeclarationKind.Const, docs: ["Parameter tables the weights are checked against."], declarations: [{ name: "PARAMETERS", type: "{ readonly showo: readonly ParamSpec[]; readonly vq: readonly ParamSpec[] }", initializer: JSON.stringify({ showo: [...t2iParams.values()], vq: vqParams }) }] });
  f.addFunction({
    isExported: true, name: "readNoise", parameters: [{ name: "bytes", type: "Uint8Array" }], returnType: "SamplingNoise",
    docs: [`Sampling noise from a .npy file's bytes (\`showo generate --noise\`'s format for one prompt): float32 [steps, 1, ${cfg.imageTokens}, 2] of uniforms in (0, 1).`],
    statements: ["return noiseFromNpy(bytes, CONFIG.imageTokens, \"noise .npy\");"],
  });
  f.addFunction({
    isExported: true, name: "checkDevice", parameters: [{ name: "target", type: "GPUAdapter | GPUDevice" }], returnType: "string[]",
    docs: ["What an adapter or device lacks for this package (empty when it fits)."],
    statements: ["return missingFor(target, REQUIREMENTS);"],
  });
  f.addFunction({
    isExported: true, isAsync: true, name: "requestDevice", parameters: [{ name: "adapter", type: "GPUAdapter" }], returnType: "Promise<GPUDevice>",
    docs: ["A device of the adapter with the limits and features this package needs; an error says what is missing."],
    statements: ["return requestDeviceFor(adapter, REQUIREMENTS);"],
  });
  const cls = f.addClass({ isExported: true, name: "ShowoPackage", docs: [`${cfg.name} on a GPUDevice: generate(prompt), understand(image, question) and the raw executables.`] });
  cls.addProperty({ name: "device", type: "GPUDevice", isReadonly: true });
  cls.addProperty({ name: "executables", type: "Executables", isReadonly: true });
  cls.addConstructor({ parameters: [{ name: "device", type: "GPUDevice" }, { name: "executables", type: "Executables" }], statements: ["this.device = device;", "this.executables = executables;"], docs: ["Use ShowoPackage.create."] });
  cls.addMethod({
    isStatic: true, isAsync: true, name: "create", parameters: [{ name: "device", type: "GPUDevice" }, { name: "weights", type: "PackageWeights" }], returnType: "Promise<ShowoPackage>",
    docs: ["Checks the device, loads and checks the weights, builds every executable."],
    statements: [
      "const missing = missingFor(device, REQUIREMENTS);",
      `if (missing.length > 0) throw new Error(\`this device cannot run ${name}: \${missing.join("; ")}\`);`,
      `const showo = readWeights(await weightBytes(weights.showo), PARAMETERS.showo, "${cfg.name} weights");`,
      `const vq = readWeights(await weightBytes(weights.vq), PARAMETERS.vq, "${vqName} weights");`,
      "const cache = new PipelineCache(device, KERNELS);",
      "const made: Record<string, TypedExecutable<unknown, unknown>> = {};",
      "for (const [key, data] of Object.entries(EXECUTABLES)) {",
      "  const raw = await GpuExecutable.create(cache, data);",
      "  raw.setParams(key.startsWith(\"vq\") ? vq : showo);",
      "  made[key] = { raw, run: (i) => raw.run(i as never), runKeeping: (i, keep) => raw.runKeeping(i as never, keep as readonly string[]) };",
      "}",
      "return new ShowoPackage(device, made as unknown as Executables);",
    ],
  });
  cls.addMethod({
    isAsync: true, name: "generate", parameters: [{ name: "prompt", type: "string" }, { name: "options", type: "GenerateOptions", initializer: "{}" }], returnType: "Promise<GenerateResult>",
    docs: ["Text to image: the prompt's words, MaskGIT decoding with guidance, then the MAGVIT-v2 decoder."],
    statements: [
      "const steps = options.steps ?? options.noise?.steps ?? 16;",
      "if (options.noise && options.noise.steps !== steps) throw new Error(`the noise holds ${options.noise.steps} steps; options.steps is ${steps}`);",
      "const noise = options.noise ?? philoxNoise(options.seed ?? 0, { steps, batch: 1, tokens: CONFIG.imageTokens });",
      "const text = shapesTokenizer().encode(prompt);",
      `const exes = this.executables as unknown as Record<string, TypedExecutable<unknown, unknown>>;`,
      `const pairs = { rows: ${T2I_ROWS}, cacheNames: ${JSON.stringify(kvCacheNames(cfg))}, pair: async (t: number) => {`,
      "  const prefix = exes[`t2iPrefix${t}`], step = exes[`t2iStep${t}`];",
      `  if (!prefix || !step) throw new Error(\`this prompt needs the T2I graphs for \${t} text rows; ${name} was compiled for ${textLens.join(", ")} (showo compile --text-lens)\`);`,
      "  return { prefix: prefix.raw, step: step.raw };",
      "} };",
      "const codes = await generateCodes(CONFIG, pairs, text, { steps, guidance: options.guidance ?? 1.75, temperature: options.temperature ?? 1, schedule: \"cosine\", annealing: \"compounding\" }, noise, options.onStep);",
      "const out = await this.executables.vqDecode.run({ codes: { dtype: \"i32\", shape: [1, CONFIG.imageTokens], data: Float64Array.from(codes) } });",
      `const side = ${imageGrid(cfg) * downFactor(vqCfgOf(cfg))};`,
      "const image = fromSigned(out.image.data, side, side);",
      "const rgba = new Uint8ClampedArray(side * side * 4);",
      "for (let i = 0; i < side * side; i++) {",
      "  for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.floor(image.data[c * side * side + i]!);",
      "  rgba[i * 4 + 3] = 255;",
      "}",
      "return { codes, image, rgba };",
    ],
  });
  cls.addMethod({
    isAsync: true, name: "understand",
    parameters: [{ name: "image", type: "Image | { readonly width: number; readonly height: number; readonly data: Uint8ClampedArray }" }, { name: "question", type: "string" }, { name: "options", type: "UnderstandOptions", initializer: "{}" }],
    returnType: "Promise<UnderstandResult>",
    docs: [`Answers a question about a picture (planar RGB Image, or RGBA bytes as a canvas's ImageData): the MAGVIT-v2 encoder, then the MMU prefill and a cached decode (prompts up to ${mmu.promptLen} ids, ${mmu.cacheLen - mmu.promptLen} new tokens).`],
    statements: [
      "const tok = shapesTokenizer();",
      `const mmu = { encode: this.executables.vqEncode.raw, prefill: this.executables.mmuPrefill.raw, decode: this.executables.mmuDecode.raw, promptLen: ${mmu.promptLen}, cacheLen: ${mmu.cacheLen}, cacheNames: ${JSON.stringify(kvCacheNames(cfg))}, resolution: ${imageGrid(cfg) * downFactor(vqCfgOf(cfg))} };`,
      "const codes = await encodeImage(mmu, \"channels\" in image ? image : fromRgba(image));",
      "const prompt = questionIds(CONFIG, codes, (t) => tok.encode(t), question);",
      "const tokens: number[] = [];",
      "const onToken = options.onToken;",
      "const answer = await answerTokens(CONFIG, mmu, prompt, {",
      `  maxNewTokens: options.maxNewTokens ?? ${mmu.cacheLen - mmu.promptLen},`,
      "  ...(options.sample ? { sample: options.sample } : {}),",
      "  ...(onToken ? { onToken: (t: number) => { tokens.push(t); onToken(t, tok.decode(tokens, { skipSpecial: true })); } } : {}),",
      "});",
      "return { tokens: answer, answer: tok.decode(answer, { skipSpecial: true }), codes };",
    ],
  });
  cls.addMethod({ name: "dispose", statements: ["for (const e of Object.values(this.executables) as TypedExecutable<unknown, unknown>[]) e.raw.dispose();"] });
  void StructureKind;
}

function vqCfgOf(cfg: ShowoConfig) {
  return MAGVIT2_CONFIGS[cfg.vqModel]!;
}
