/** A small but well-formed JPEG skeleton: SOI, a comment naming `label`, SOF0 with the size, SOS, padding as scan data, EOI. */
export function fakeJpeg(label: string, { width = 1200, height = 675, padding = 2000 } = {}): Buffer {
  const comment = Buffer.from(label);
  const com = Buffer.concat([Buffer.from([0xff, 0xfe, (comment.length + 2) >> 8, (comment.length + 2) & 0xff]), comment]);
  const sof0 = Buffer.from([
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x03,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ]);
  const sos = Buffer.from([0xff, 0xda, 0x00, 0x0c, 0x03, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
  const scan = Buffer.alloc(padding, 0x5a);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), com, sof0, sos, scan, Buffer.from([0xff, 0xd9])]);
}
