import { once } from "node:events";
import type { Writable } from "node:stream";

/** Writes text to a stream, waiting whenever the stream asks to (memory stays bounded). */
export type Sink = { write(text: string): Promise<void>; end(): Promise<void> };

export function streamSink(stream: Writable, closeAtEnd: boolean): Sink {
  let failure: Error | undefined;
  stream.on("error", (error: Error) => {
    failure = error;
  });
  return {
    async write(text) {
      if (failure) throw failure;
      if (!stream.write(text)) await once(stream, "drain");
    },
    async end() {
      if (failure) throw failure;
      if (!closeAtEnd) return;
      await new Promise<void>((resolve, reject) => {
        stream.once("error", reject);
        stream.end(resolve);
      });
    },
  };
}

/** A JSON array written one element at a time. */
export class ArrayWriter {
  private count = 0;
  constructor(private readonly sink: Sink) {}
  async add(json: string): Promise<void> {
    await this.sink.write(`${this.count++ === 0 ? "[\n" : ",\n"}${json}`);
  }
  async close(): Promise<void> {
    await this.sink.write(this.count === 0 ? "[]\n" : "\n]\n");
  }
}
