/** Why a body that claims to be a JPEG is not a whole one, or undefined when it is. */
export function jpegDefect(body: Uint8Array, contentLength?: number): string | undefined {
  if (contentLength !== undefined && body.length !== contentLength) {
    return `truncated body: ${body.length} of ${contentLength} bytes`;
  }
  if (body.length < 4 || body[0] !== 0xff || body[1] !== 0xd8) return 'not a JPEG: no SOI marker';
  if (body[body.length - 2] !== 0xff || body[body.length - 1] !== 0xd9) return 'corrupt JPEG: no EOI marker';
  return undefined;
}

const startOfFrameMarkers = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Width and height from a JPEG's start-of-frame segment, or undefined when there is none. */
export function jpegDimensions(body: Uint8Array): { width: number; height: number } | undefined {
  let offset = 2;
  while (offset + 9 < body.length && body[offset] === 0xff) {
    const marker = body[offset + 1];
    const length = (body[offset + 2] << 8) | body[offset + 3];
    if (startOfFrameMarkers.has(marker)) {
      return { height: (body[offset + 5] << 8) | body[offset + 6], width: (body[offset + 7] << 8) | body[offset + 8] };
    }
    offset += 2 + length;
  }
  return undefined;
}
