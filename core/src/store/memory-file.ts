/**
 * A file held in memory, append-mostly: appends are kept as chunks and joined on the first read
 * after them, so a transcript growing by a batch per tick costs its length once, not per append.
 */
export class MemoryFile {
  #chunks: Buffer[];
  #size: number;

  private constructor(first: Buffer) {
    this.#chunks = first.byteLength === 0 ? [] : [first];
    this.#size = first.byteLength;
  }

  static of(content: string | Uint8Array): MemoryFile {
    return new MemoryFile(typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content));
  }

  get size(): number {
    return this.#size;
  }

  append(text: string): void {
    const bytes = Buffer.from(text, "utf8");
    this.#chunks.push(bytes);
    this.#size += bytes.byteLength;
  }

  bytes(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks, this.#size)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  text(): string {
    return this.bytes().toString("utf8");
  }

  /** The text of `length` bytes from `offset` (what is there when the file ends first). */
  slice(offset: number, length: number): string {
    return this.bytes()
      .subarray(offset, offset + length)
      .toString("utf8");
  }
}
