// The shape of a generated package's index module, as the compiled-package and browser tests use it (the
// package is generated at test time, so its own .d.ts cannot be imported statically).

export declare function checkDevice(target: GPUAdapter | GPUDevice): string[];
export declare function readNoise(bytes: Uint8Array): { steps: number };
export declare class ShowoPackage {
  static create(device: GPUDevice, weights: { showo: Uint8Array; vq: Uint8Array }): Promise<ShowoPackage>;
  generate(prompt: string, options?: { steps?: number; guidance?: number; noise?: unknown }): Promise<{ codes: Int32Array; rgba: Uint8ClampedArray; image: { channels: number; width: number; height: number; data: Float32Array } }>;
  understand(image: { channels: number; width: number; height: number; data: Float32Array }, question: string, options?: { maxNewTokens?: number; onToken?: (token: number, answer: string) => void }): Promise<{ answer: string; tokens: readonly number[]; codes: readonly number[] }>;
  dispose(): void;
}
