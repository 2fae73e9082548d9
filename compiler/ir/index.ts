// The Graph IR as one import (`showo-compiler/ir`): its text form (print, parse) and the verifier.

export type { Graph } from "./graph.ts";
export { print, printModule } from "./text.ts";
export { parse, parseModule, ParseError } from "./parse.ts";
export { tensor } from "./ref.ts";
export type { RefTensor } from "./ref.ts";
export { verify, VerifyError } from "./verify.ts";
