// Streams a JSON array to stdout in large chunks, so printing 100k objects never holds them all.
const CHUNK = 256 * 1024;

export class JsonArrayWriter {
  private buffer = "[";
  private first = true;
  private readonly out: NodeJS.WritableStream;

  constructor(out: NodeJS.WritableStream = process.stdout) {
    this.out = out;
  }

  push(value: unknown): void {
    this.pushRaw(JSON.stringify(value));
  }

  /** Appends an element that is already JSON text. */
  pushRaw(json: string): void {
    this.buffer += (this.first ? "\n" : ",\n") + json;
    this.first = false;
    if (this.buffer.length >= CHUNK) this.flush();
  }

  end(): void {
    this.buffer += this.first ? "]\n" : "\n]\n";
    this.flush();
  }

  private flush(): void {
    this.out.write(this.buffer);
    this.buffer = "";
  }
}
