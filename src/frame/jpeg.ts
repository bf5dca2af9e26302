/** Why a body that claims to be a JPEG is not a whole one, or undefined when it is. */
export function jpegDefect(body: Uint8Array, contentLength?: number): string | undefined {
  if (contentLength !== undefined && body.length !== contentLength) {
    return `truncated body: ${body.length} of ${contentLength} bytes`;
  }
  if (body.length < 4 || body[0] !== 0xff || body[1] !== 0xd8) return 'not a JPEG: no SOI marker';
  if (body[body.length - 2] !== 0xff || body[body.length - 1] !== 0xd9) return 'corrupt JPEG: no EOI marker';
  const header = readJpegHeader(body);
  return typeof header === 'string' ? `corrupt JPEG: ${header}` : undefined;
}

const startOfFrameMarkers = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const startOfScan = 0xda;
/** libjpeg's limit on either side. */
const largestSide = 65_500;

const hex = (marker: number) => `FF${marker.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * Walks the segments from SOI up to the first scan (SOS), checking every marker and length, the frame
 * header (SOF: a precision, sides of 1 to 65,500 pixels, 1 to 4 components, a length that fits them)
 * and the scan header. Answers the frame's size, or why the headers are broken. The entropy-coded
 * data after SOS is not decoded: that would cost as much as decoding the picture.
 */
function readJpegHeader(body: Uint8Array): { width: number; height: number } | string {
  let frame: { width: number; height: number } | undefined;
  let offset = 2;
  while (offset < body.length - 2) {
    if (body[offset] !== 0xff) return `no marker at byte ${offset}`;
    while (body[offset + 1] === 0xff) offset += 1; // fill bytes before a marker are allowed
    const marker = body[offset + 1];
    if (offset + 4 > body.length) return `segment ${hex(marker)} at byte ${offset} runs past the end`;
    const length = (body[offset + 2] << 8) | body[offset + 3];
    const end = offset + 2 + length;
    // the last two bytes are the EOI marker, checked by the caller
    if (marker === 0xd8 || marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x00 || marker === 0x01) {
      return `unexpected marker ${hex(marker)} at byte ${offset} before the scan`;
    }
    if (length < 2 || end > body.length - 2) return `segment ${hex(marker)} at byte ${offset} runs past the end (length ${length})`;
    if (startOfFrameMarkers.has(marker)) {
      if (frame) return `a second frame header at byte ${offset}`;
      const precision = body[offset + 4];
      const height = (body[offset + 5] << 8) | body[offset + 6];
      const width = (body[offset + 7] << 8) | body[offset + 8];
      const components = body[offset + 9];
      if (precision < 2 || precision > 16) return `frame header with a precision of ${precision} bits`;
      if (width < 1 || height < 1 || width > largestSide || height > largestSide) return `frame header of ${width}x${height} pixels`;
      if (components < 1 || components > 4 || length !== 8 + 3 * components)
        return `frame header of ${components} components in ${length} bytes`;
      frame = { width, height };
    }
    if (marker === startOfScan) {
      if (!frame) return 'a scan before any frame header (SOF)';
      const components = body[offset + 4];
      if (components < 1 || components > 4 || length !== 6 + 2 * components)
        return `scan header of ${components} components in ${length} bytes`;
      return frame;
    }
    offset = end;
  }
  return 'no scan (SOS)';
}

/** Width and height from a JPEG's frame header, or undefined when its headers are broken. */
export function jpegDimensions(body: Uint8Array): { width: number; height: number } | undefined {
  const header = readJpegHeader(body);
  return typeof header === 'string' ? undefined : header;
}
