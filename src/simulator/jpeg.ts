/** An 8-bit RGB picture, 3 bytes per pixel, row by row. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8ClampedArray;
}

const zigzag = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57,
  50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

// The example tables of ITU T.81 Annex K, in natural (row-major) order.
const lumaQuantization = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22,
  37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const chromaQuantization = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** A Huffman table as stored in a DHT segment: how many codes of each length 1-16, then the symbols. */
interface HuffmanSpec {
  readonly counts: readonly number[];
  readonly symbols: readonly number[];
}

const lumaDc: HuffmanSpec = {
  counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
  symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};
const chromaDc: HuffmanSpec = {
  counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
  symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};
const lumaAc: HuffmanSpec = {
  counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  symbols: [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91,
    0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a,
    0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53,
    0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79,
    0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9,
    0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2,
    0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
  ],
};
const chromaAc: HuffmanSpec = {
  counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  symbols: [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14,
    0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17,
    0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a,
    0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,
    0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3,
    0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
    0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2,
    0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
  ],
};

/** Code and code length of each symbol, indexed by symbol. */
interface HuffmanCodes {
  readonly codes: Uint16Array;
  readonly lengths: Uint8Array;
}

function canonicalCodes(spec: HuffmanSpec): HuffmanCodes {
  const codes = new Uint16Array(256);
  const lengths = new Uint8Array(256);
  let code = 0;
  let next = 0;
  for (let length = 1; length <= 16; length++) {
    for (let count = 0; count < spec.counts[length - 1]; count++) {
      const symbol = spec.symbols[next++];
      codes[symbol] = code++;
      lengths[symbol] = length;
    }
    code <<= 1;
  }
  return { codes, lengths };
}

/** IJG scaling of a quantization table for quality 1-100, in zigzag order as DQT stores it. */
function scaledQuantization(table: readonly number[], quality: number): Uint8Array {
  const scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  return Uint8Array.from(zigzag, (natural) => Math.min(255, Math.max(1, Math.floor((table[natural] * scale + 50) / 100))));
}

/** Rows of the orthonormal 8-point DCT-II matrix, so a block's 2-D DCT is M · block · Mᵀ. */
const dctMatrix = Float64Array.from({ length: 64 }, (_, index) => {
  const frequency = index >> 3;
  const sample = index & 7;
  const weight = frequency === 0 ? Math.SQRT1_2 : 1;
  return (weight / 2) * Math.cos(((2 * sample + 1) * frequency * Math.PI) / 16);
});

/** Grows as needed; stuffs a 0x00 after every 0xFF in entropy-coded data, as T.81 requires. */
class ByteWriter {
  #bytes = new Uint8Array(1 << 16);
  #length = 0;
  #bitBuffer = 0;
  #bitCount = 0;

  byte(value: number): void {
    if (this.#length === this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes[this.#length++] = value;
  }

  bytes(values: ArrayLike<number>): void {
    for (let index = 0; index < values.length; index++) this.byte(values[index]);
  }

  word(value: number): void {
    this.byte(value >> 8);
    this.byte(value & 0xff);
  }

  /** A marker segment: marker, then a length that counts itself. */
  segment(marker: number, payload: ArrayLike<number>): void {
    this.word(marker);
    this.word(payload.length + 2);
    this.bytes(payload);
  }

  bits(value: number, count: number): void {
    this.#bitBuffer = (this.#bitBuffer << count) | (value & ((1 << count) - 1));
    this.#bitCount += count;
    while (this.#bitCount >= 8) {
      this.#bitCount -= 8;
      const byte = (this.#bitBuffer >> this.#bitCount) & 0xff;
      this.byte(byte);
      if (byte === 0xff) this.byte(0);
    }
    this.#bitBuffer &= (1 << this.#bitCount) - 1;
  }

  /** Pads the last entropy-coded byte with 1 bits. */
  flushBits(): void {
    if (this.#bitCount > 0) this.bits(0x7f, 8 - this.#bitCount);
  }

  result(): Buffer {
    return Buffer.from(this.#bytes.buffer, 0, this.#length);
  }
}

interface Component {
  readonly id: number;
  readonly quantization: Uint8Array;
  readonly quantizationId: number;
  readonly dc: HuffmanCodes;
  readonly ac: HuffmanCodes;
  readonly tableId: number;
  previousDc: number;
}

/** A value as T.81 codes it: the Huffman code of (zeros before it << 4 | its bit length), then its bits. */
function writeValue(writer: ByteWriter, table: HuffmanCodes, zeroRun: number, value: number): void {
  const bitLength = 32 - Math.clz32(value < 0 ? -value : value);
  const symbol = (zeroRun << 4) | bitLength;
  writer.bits(table.codes[symbol], table.lengths[symbol]);
  writer.bits(value < 0 ? value + (1 << bitLength) - 1 : value, bitLength);
}

/** Reused for every block (a full frame has about 38,000 of them) rather than allocated per block. */
const rowsTransformed = new Float64Array(64);
const coefficients = new Float64Array(64);
const quantized = new Int32Array(64);

function encodeBlock(writer: ByteWriter, samples: Float64Array, component: Component): void {
  for (let row = 0; row < 8; row++) {
    for (let column = 0; column < 8; column++) {
      let sum = 0;
      for (let k = 0; k < 8; k++) sum += dctMatrix[row * 8 + k] * samples[k * 8 + column];
      rowsTransformed[row * 8 + column] = sum;
    }
  }
  for (let row = 0; row < 8; row++) {
    for (let column = 0; column < 8; column++) {
      let sum = 0;
      for (let k = 0; k < 8; k++) sum += rowsTransformed[row * 8 + k] * dctMatrix[column * 8 + k];
      coefficients[row * 8 + column] = sum;
    }
  }
  for (let index = 0; index < 64; index++) {
    quantized[index] = Math.round(coefficients[zigzag[index]] / component.quantization[index]);
  }

  writeValue(writer, component.dc, 0, quantized[0] - component.previousDc);
  component.previousDc = quantized[0];

  let zeroRun = 0;
  for (let index = 1; index < 64; index++) {
    if (quantized[index] === 0) {
      zeroRun++;
      continue;
    }
    for (; zeroRun > 15; zeroRun -= 16) writeValue(writer, component.ac, 15, 0);
    writeValue(writer, component.ac, zeroRun, quantized[index]);
    zeroRun = 0;
  }
  if (zeroRun > 0) writeValue(writer, component.ac, 0, 0);
}

const lumaTables = { dc: canonicalCodes(lumaDc), ac: canonicalCodes(lumaAc) };
const chromaTables = { dc: canonicalCodes(chromaDc), ac: canonicalCodes(chromaAc) };

/** A baseline (SOF0), 4:4:4 YCbCr JFIF with the standard Huffman tables. */
export function encodeBaselineJpeg(image: RgbImage, quality: number): Buffer {
  const { width, height, rgb } = image;
  const lumaQ = scaledQuantization(lumaQuantization, quality);
  const chromaQ = scaledQuantization(chromaQuantization, quality);
  const components: Component[] = [
    { id: 1, quantization: lumaQ, quantizationId: 0, ...lumaTables, tableId: 0x00, previousDc: 0 },
    { id: 2, quantization: chromaQ, quantizationId: 1, ...chromaTables, tableId: 0x11, previousDc: 0 },
    { id: 3, quantization: chromaQ, quantizationId: 1, ...chromaTables, tableId: 0x11, previousDc: 0 },
  ];

  const writer = new ByteWriter();
  writer.word(0xffd8);
  writer.segment(0xffe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  writer.segment(0xffdb, [0x00, ...lumaQ, 0x01, ...chromaQ]);
  writer.segment(0xffc0, [
    8,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    components.length,
    ...components.flatMap((component) => [component.id, 0x11, component.quantizationId]),
  ]);
  writer.segment(0xffc4, [
    ...[0x00, ...lumaDc.counts, ...lumaDc.symbols],
    ...[0x10, ...lumaAc.counts, ...lumaAc.symbols],
    ...[0x01, ...chromaDc.counts, ...chromaDc.symbols],
    ...[0x11, ...chromaAc.counts, ...chromaAc.symbols],
  ]);
  writer.segment(0xffda, [components.length, ...components.flatMap((component) => [component.id, component.tableId]), 0, 63, 0]);

  const planes = [new Float64Array(64), new Float64Array(64), new Float64Array(64)];
  for (let blockTop = 0; blockTop < height; blockTop += 8) {
    for (let blockLeft = 0; blockLeft < width; blockLeft += 8) {
      for (let index = 0; index < 64; index++) {
        // Blocks past the right or bottom edge repeat the last row and column, which compresses best.
        const y = Math.min(blockTop + (index >> 3), height - 1);
        const x = Math.min(blockLeft + (index & 7), width - 1);
        const offset = (y * width + x) * 3;
        const red = rgb[offset];
        const green = rgb[offset + 1];
        const blue = rgb[offset + 2];
        planes[0][index] = 0.299 * red + 0.587 * green + 0.114 * blue - 128;
        planes[1][index] = -0.168736 * red - 0.331264 * green + 0.5 * blue;
        planes[2][index] = 0.5 * red - 0.418688 * green - 0.081312 * blue;
      }
      components.forEach((component, index) => encodeBlock(writer, planes[index], component));
    }
  }
  writer.flushBits();
  writer.word(0xffd9);
  return writer.result();
}

/** The JPEG with a COM segment right after SOI; cheap, and makes bytes unique without re-encoding. */
export function withComment(jpeg: Uint8Array, text: string): Buffer {
  const comment = Buffer.from(text, 'utf8');
  const header = Buffer.from([0xff, 0xd8, 0xff, 0xfe, (comment.length + 2) >> 8, (comment.length + 2) & 0xff]);
  return Buffer.concat([header, comment, jpeg.subarray(2)]);
}
