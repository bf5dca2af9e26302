import { describe, expect, it } from 'vitest';
import { jpegDefect, jpegDimensions } from '../../src/index.ts';
import { encodeBaselineJpeg, withComment } from '../../src/simulator/jpeg.ts';
import { fakeJpeg } from '../support/jpeg.ts';

const soi = [0xff, 0xd8];
const eoi = [0xff, 0xd9];
const segment = (marker: number, ...payload: number[]) => [
  0xff,
  marker,
  (payload.length + 2) >> 8,
  (payload.length + 2) & 0xff,
  ...payload,
];
const sof0 = (width: number, height: number, components = 3) =>
  segment(
    0xc0,
    8,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    components,
    ...Array.from({ length: components }, (_, i) => [i + 1, 0x11, 0]).flat(),
  );
const sos = segment(0xda, 1, 1, 0, 0, 63, 0);
const jpeg = (...parts: number[][]) => Buffer.from(parts.flat());

describe('jpegDefect', () => {
  it('accepts a real baseline JPEG, with a comment, and the skeleton the tests use', () => {
    const picture = encodeBaselineJpeg({ width: 40, height: 24, rgb: new Uint8ClampedArray(40 * 24 * 3).fill(120) }, 80);
    expect(jpegDefect(picture)).toBeUndefined();
    expect(jpegDefect(withComment(picture, 'frame 1'))).toBeUndefined();
    expect(jpegDimensions(picture)).toEqual({ width: 40, height: 24 });
    expect(jpegDefect(fakeJpeg('x'))).toBeUndefined();
    expect(jpegDefect(jpeg(soi, [0xff, 0xff], sof0(8, 8, 1), sos, [1, 2, 3], eoi))).toBeUndefined(); // fill bytes before a marker
  });

  it.each([
    [
      'text between SOI and EOI',
      jpeg(soi, [...Buffer.from('<html>maintenance</html>'.repeat(200))], eoi),
      'corrupt JPEG: no marker at byte 2',
    ],
    [
      'a segment longer than the body',
      jpeg(
        soi,
        segment(0xe0, 1, 2, 3).map((b, i) => (i === 3 ? 0xff : b)),
        sof0(8, 8),
        sos,
        eoi,
      ),
      'corrupt JPEG: segment FFE0 at byte 2 runs past the end (length 255)',
    ],
    ['no frame header before the scan', jpeg(soi, segment(0xfe, 65), sos, [0], eoi), 'corrupt JPEG: a scan before any frame header (SOF)'],
    ['a frame of 0 pixels', jpeg(soi, sof0(0, 675), sos, eoi), 'corrupt JPEG: frame header of 0x675 pixels'],
    [
      'a frame header too short for its components',
      jpeg(
        soi,
        sof0(8, 8, 3)
          .slice(0, -3)
          .map((b, i) => (i === 3 ? 14 : b)),
        sos,
        eoi,
      ),
      'corrupt JPEG: frame header of 3 components in 14 bytes',
    ],
    ['no scan at all', jpeg(soi, sof0(8, 8), segment(0xfe, 1), eoi), 'corrupt JPEG: no scan (SOS)'],
    ['a second SOI in the headers', jpeg(soi, soi, sof0(8, 8), sos, eoi), 'corrupt JPEG: unexpected marker FFD8 at byte 2 before the scan'],
  ])('refuses %s', (_name, body, defect) => {
    expect(jpegDefect(body)).toBe(defect);
    expect(jpegDimensions(body)).toBeUndefined();
  });
});
