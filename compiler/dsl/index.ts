// The model DSL as one import (`showo-compiler/dsl`): modules with named parameters, the lazy
// tensor and its ops, tracing to a Graph, and parameter initialisers.

export * from "./nn.ts";
export * from "./tensor.ts";
export * from "./trace.ts";
export * from "./init.ts";
