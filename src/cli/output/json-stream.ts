// Streams a JSON array to stdout in large byte chunks, so printing 100k objects never holds them all.
// Elements are ASCII JSON text (asciiJson escapes anything else), copied into the chunk as latin1:
// a plain byte copy, where handing stdout big strings made Node re-encode every byte as UTF-8.
import { io } from "../io.js";

const CHUNK = 1 << 20;

/** JSON.stringify with every non-ASCII character escaped, so the text is plain ASCII. */
export function asciiJson(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return /[\u0080-\uffff]/.test(text)
    ? text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    : text;
}

export class JsonArrayWriter {
  private chunk = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private first = true;
  private readonly out: NodeJS.WritableStream;

  constructor(out: NodeJS.WritableStream = io.stdout) {
    this.out = out;
    this.raw("[");
  }

  push(value: unknown): void {
    this.pushRaw(asciiJson(value));
  }

  /** Appends an element that is already ASCII JSON text. */
  pushRaw(json: string): void {
    this.raw(this.first ? "\n" : ",\n");
    this.first = false;
    this.raw(json);
  }

  end(): void {
    this.raw(this.first ? "]\n" : "\n]\n");
    this.flush();
  }

  private raw(text: string): void {
    if (this.pos + text.length > this.chunk.length) {
      this.flush();
      if (text.length > this.chunk.length) {
        this.out.write(Buffer.from(text, "latin1"));
        return;
      }
    }
    this.pos += this.chunk.write(text, this.pos, "latin1");
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.out.write(this.chunk.subarray(0, this.pos));
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
  }
}
