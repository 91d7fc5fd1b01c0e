/**
 * Packs a kernel's uniform block, 32-bit word by word, in the order of its WGSL struct. Arrays of
 * up to 8 entries are written as two vec4s (the `array<vec4<u32>, 2>` fields of the shaders).
 */
export class UniformWriter {
  private readonly words = new Uint32Array(64);
  private readonly floats = new Float32Array(this.words.buffer);
  private readonly ints = new Int32Array(this.words.buffer);
  private n = 0;

  u32(...values: number[]): this {
    for (const v of values) this.words[this.n++] = v >>> 0;
    return this;
  }

  i32(...values: number[]): this {
    for (const v of values) this.ints[this.n++] = v | 0;
    return this;
  }

  f32(...values: number[]): this {
    for (const v of values) this.floats[this.n++] = v;
    return this;
  }

  /** Up to 8 unsigned values padded with zeros to 8 words (16-byte aligned). */
  arr8(values: readonly number[]): this {
    this.align4();
    for (let i = 0; i < 8; i++) this.words[this.n++] = (values[i] ?? 0) >>> 0;
    return this;
  }

  /** Pads to the next 16-byte boundary. */
  align4(): this {
    while (this.n % 4 !== 0) this.words[this.n++] = 0;
    return this;
  }

  /** The packed words (a copy-free view). */
  data(): Uint32Array {
    this.align4();
    return this.words.subarray(0, this.n);
  }
}
