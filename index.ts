// showo-compiler: declare a model in the DSL, trace it to a Graph, compile it for a device, run it.
//
//   import { compile, openDevice, trace, Linear, tensor } from "showo-compiler";
//
// Subpaths hold the rest: `showo-compiler/dsl` (every module and tensor op), `showo-compiler/models`
// (Show-o, MAGVIT-v2 and the registry `showo compile` uses), `showo-compiler/runtime` (samplers,
// checkpoints, images), `showo-compiler/ir` (the Graph IR's text form).

export { compile, lower, capsOf, openDeviceFor, Executable, DeviceTensor } from "./runtime/executable.ts";
export type { CompileOptions, LowerOptions, CompiledGraph } from "./runtime/executable.ts";
export type { Device, Target } from "./runtime/device.ts";
export { openDevice } from "./backends/wgsl/device.ts";
export { loadWeights } from "./runtime/weights/index.ts";
export { tensor } from "./compiler/ir/ref.ts";
export type { RefTensor } from "./compiler/ir/ref.ts";
export type { Graph } from "./compiler/ir/graph.ts";
export { Module, ModuleList, Linear, LayerNorm, GroupNorm, Embedding, Conv2d, MLP, initParams } from "./compiler/dsl/nn.ts";
export { Tensor, ShapeError } from "./compiler/dsl/tensor.ts";
export { trace } from "./compiler/dsl/trace.ts";
export { MODELS, getModel } from "./models/index.ts";
