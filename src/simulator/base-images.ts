import type { Variant } from '../items.ts';
import { encodeBaselineJpeg, type RgbImage } from './jpeg.ts';
import type { FrameSize } from './options.ts';
import { mulberry32, randomFor } from './prng.ts';

const dimensions: Record<FrameSize, Record<Variant, { width: number; height: number }>> = {
  full: { full: { width: 1200, height: 675 }, thumbnail: { width: 240, height: 135 } },
  small: { full: { width: 320, height: 180 }, thumbnail: { width: 160, height: 90 } },
};

// Noise is what makes the size: these amplitudes put full 1200x675 frames at 93-139 KB over seeds 1-25,
// inside the 91-142 KB seen on the real camera.
const noiseAmplitudes = [9.5, 11, 12.5, 14];
const QUALITY = 80;

/** Encoded pictures that frames are stamped from: a frame is one of these plus its own COM segment. */
export type BaseImages = Record<Variant, readonly Buffer[]>;

const cache = new Map<string, BaseImages>();

/** A few seeded pictures per variant, encoded once per (seed, size) and process, since encoding takes a while. */
export function baseImages(seed: number, frameSize: FrameSize): BaseImages {
  const key = `${seed}:${frameSize}`;
  let images = cache.get(key);
  if (!images) {
    const encode = (variant: Variant) =>
      noiseAmplitudes.map((noise, index) => {
        const picture = paintGateScene(dimensions[frameSize][variant], randomFor(seed, 'scene', index), noise);
        return encodeBaselineJpeg(picture, QUALITY);
      });
    images = { full: encode('full'), thumbnail: encode('thumbnail') };
    cache.set(key, images);
  }
  return images;
}

/** Sky, a row of shipping containers with ribbed walls, and asphalt, all with grainy sensor noise. */
function paintGateScene(size: { width: number; height: number }, random: () => number, noise: number): RgbImage {
  const { width, height } = size;
  const horizon = Math.round(height * (0.3 + random() * 0.1));
  const ground = Math.round(height * (0.75 + random() * 0.05));
  const skyTone = 150 + random() * 60;
  const ribSpacing = Math.max(2, Math.round(width / 150));
  // Per column: the colour and top edge of the container standing there (none: top below the picture).
  const containerRgb = new Float64Array(width * 3);
  const containerTop = new Int32Array(width).fill(height);
  for (let left = Math.round(random() * width * 0.1); left < width; ) {
    const right = Math.min(width, left + Math.round(width * (0.15 + random() * 0.2)));
    const color = [80 + random() * 150, 40 + random() * 100, 30 + random() * 120];
    const top = horizon + Math.round(random() * height * 0.1);
    for (let x = left; x < right; x++) {
      const rib = x % ribSpacing === 0 ? 0.7 : 1;
      containerRgb.set([color[0] * rib, color[1] * rib, color[2] * rib], x * 3);
      containerTop[x] = top;
    }
    left = right + Math.round(random() * width * 0.05);
  }
  const grain = mulberry32(Math.floor(random() * 2 ** 32));
  const rgb = new Uint8ClampedArray(width * height * 3);
  for (let y = 0; y < height; y++) {
    const asphalt = 70 + ((y - ground) * 40) / (height - ground);
    const sky = skyTone + ((horizon - y) * 40) / horizon;
    for (let x = 0; x < width; x++) {
      let red = sky - 20;
      let green = sky - 5;
      let blue = sky + 15;
      if (y >= ground) {
        red = green = asphalt;
        blue = asphalt + 5;
      } else if (y >= containerTop[x]) {
        red = containerRgb[x * 3];
        green = containerRgb[x * 3 + 1];
        blue = containerRgb[x * 3 + 2];
      }
      const speck = (grain() - 0.5) * noise;
      const offset = (y * width + x) * 3;
      rgb[offset] = red + speck + (grain() - 0.5) * noise * 0.3;
      rgb[offset + 1] = green + speck + (grain() - 0.5) * noise * 0.3;
      rgb[offset + 2] = blue + speck + (grain() - 0.5) * noise * 0.3;
    }
  }
  return { width, height, rgb };
}
