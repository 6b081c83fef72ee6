// A ReadableStream fed by push() with byte-based back-pressure: push() resolves when the
// consumer (the Object Store writer) has room, so a fast client cannot pile data up in memory.
export class PushableByteStream {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #room: (() => void) | undefined;

  constructor(highWaterMarkBytes = 1024 * 1024) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.#controller = c;
      },
      pull: () => {
        this.#room?.();
        this.#room = undefined;
      },
    }, { highWaterMark: highWaterMarkBytes, size: (chunk) => chunk.byteLength });
  }

  async push(chunk: Uint8Array): Promise<void> {
    this.#controller.enqueue(chunk);
    if ((this.#controller.desiredSize ?? 1) <= 0) await new Promise<void>((r) => (this.#room = r));
  }

  close(): void {
    this.#controller.close();
  }

  error(err: Error): void {
    try {
      this.#controller.error(err);
    } catch {
      // already closed or errored
    }
    this.#room?.();
  }
}
