// The run-time as one import (`showo-compiler/runtime`): compiling a graph for a device and running
// it, images and .npy arrays, checkpoints, Show-o's samplers and tokenizers.

export * from "./executable.ts";
export type { Device, Target } from "./device.ts";
export { GpuError } from "./device.ts";
export * from "./image.ts";
export * from "./npy.ts";
export * from "./weights/index.ts";
export { SHIPPED_DIR, DEFAULT_SHOWO_MODEL, weightsFor } from "./weights/shipped.ts";
export { T2IForward, T2I_DEFAULTS, sampleT2I, t2iRows } from "./sampling/t2i.ts";
export type { T2IOptions, T2IForwardOptions } from "./sampling/t2i.ts";
export { mmuGenerate, wgslRunners, referenceRunners } from "./sampling/mmu.ts";
export type { MmuGenerateOptions, MmuResult } from "./sampling/mmu.ts";
export { philoxNoise } from "./sampling/noise.ts";
export { tokenizerFor } from "./tokenizer/for-model.ts";
