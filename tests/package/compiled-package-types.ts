// The shape of a generated package's index module, as the compiled-package test uses it (the
// package is generated at test time, so its own .d.ts cannot be imported statically).

export declare function checkDevice(target: GPUAdapter | GPUDevice): string[];
export declare class ShowoPackage {
  static create(device: GPUDevice, weights: { showo: Uint8Array; vq: Uint8Array }): Promise<ShowoPackage>;
  generate(prompt: string, options?: { steps?: number; guidance?: number; noise?: unknown }): Promise<{ codes: Int32Array; rgba: Uint8ClampedArray }>;
  dispose(): void;
}
