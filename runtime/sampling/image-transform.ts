// Show-o's `image_transform` for understanding (design/showo.md §6.1): resize the shorter side to
// the resolution with bicubic filtering, centre-crop to resolution², scale to [0, 1], then
// (x − 0.5)/0.5 → [−1, 1].
//
// shapes: Image [3, H, W] in [0, 255] (runtime/image.ts) → f32[3, R, R] in [−1, 1]
//
// The resize is runtime/image.ts's "pil" bicubic (PIL's BICUBIC as torchvision's Resize calls it).
// torchvision's Resize(R) makes the shorter side R and the longer ⌊R·long/short⌋; its CenterCrop
// starts at int(round((H − R)/2)) with Python's round, which sends halves to the even neighbour
// (a 21-wide image cropped to 16 starts at column 2, not 3).

import type { Image } from "../image-data.ts";
import { checkSides, resizeAndCrop, toSigned } from "../image-data.ts";

/** The resize-and-crop geometry of image_transform, on pixels in [0, 255]. */
export function resizeAndCropForMmu(img: Image, resolution: number): Image {
  const R = resolution;
  if (!(Number.isInteger(R) && R >= 1)) throw new Error(`image_transform: the resolution must be a whole number ≥ 1, got ${R}`);
  if (img.channels !== 3) throw new Error(`image_transform takes RGB images, got ${img.channels} channel(s)`);
  // A zero side would divide by zero in the aspect ratio (issue #15).
  checkSides("image_transform: the image", img.height, img.width);
  return resizeAndCrop(img, R);
}

/** image_transform: shorter side → R (bicubic), centre crop R×R, [−1, 1]; planar f32 [3, R, R]. */
export function imageTransform(img: Image, resolution: number): Float32Array {
  return toSigned(resizeAndCropForMmu(img, resolution));
}
