// Checkpoints: safetensors reading and writing, key maps, and loading into a model's parameters.

export type { StDType } from "./dtypes.ts";
export { ST_DTYPES } from "./dtypes.ts";
export type { SafetensorsHeader, TensorEntry, ReadOptions } from "./safetensors.ts";
export { CheckpointError, SafetensorsFile, nonFiniteMessage, parseHeader, readHeader, truncationMessage } from "./safetensors.ts";
export type { TensorToWrite, ValueSource, WriteOptions } from "./safetensors-write.ts";
export { encodeHeader, safetensorsOrder, writeSafetensors } from "./safetensors-write.ts";
export type { BufferCheck, KeyMap, KeyTarget } from "./keymap.ts";
export { KEYMAPS, MAGVIT2_KEYMAP, SHOWO_KEYMAP, detectKeyMap, keyMapFor } from "./keymap.ts";
export type { CheckpointFiles, ExpectedTensor, LoadOptions, MappedTensor } from "./load.ts";
export { WeightsReader, checkAgainst, configMismatch, loadWeights, mapHeader, openWeights, resolveCheckpoint } from "./load.ts";
