// Datasets and models loaded by a worker, kept in a small LRU of SharedArrayBuffers: the main
// thread fetches an artifact once, and every compute thread reads the same memory without a copy.
// Entries are keyed by name AND object digest, so a dataset re-uploaded under the same id is
// never served stale. Artifacts larger than the memory budget are refused (a permanent error).
import { PermanentTaskError } from "../errors.js";

export interface SharedBlob {
  key: string;
  buffer: SharedArrayBuffer;
}

const RESOURCE_EXHAUSTED = 8;

export class ArtifactCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, SharedBlob>();
  readonly #loading = new Map<string, Promise<SharedBlob | null>>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /**
   * The artifact `name`, loaded with `load` unless cached at this `digest`. Concurrent requests
   * for the same artifact share one load.
   */
  async get(name: string, info: { size: number; digest: string }, load: () => Promise<Uint8Array | null>): Promise<SharedBlob | null> {
    if (info.size > this.#maxBytes) {
      throw new PermanentTaskError(`${name} is ${info.size} bytes, more than this worker's artifact budget of ${this.#maxBytes} bytes`, { code: RESOURCE_EXHAUSTED, reason: "ARTIFACT_TOO_LARGE" });
    }
    const key = `${name}@${info.digest}`;
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit); // most recently used goes last
      return hit;
    }
    let pending = this.#loading.get(key);
    if (!pending) {
      pending = (async () => {
        const bytes = await load();
        if (!bytes) return null;
        const buffer = new SharedArrayBuffer(bytes.byteLength);
        new Uint8Array(buffer).set(bytes);
        const blob = { key, buffer };
        this.#insert(blob);
        return blob;
      })().finally(() => this.#loading.delete(key));
      this.#loading.set(key, pending);
    }
    return pending;
  }

  #insert(blob: SharedBlob): void {
    this.#entries.set(blob.key, blob);
    this.#bytes += blob.buffer.byteLength;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#maxBytes || k === blob.key) break;
      // Threads still using an evicted buffer keep it alive; we only stop handing it out.
      this.#entries.delete(k);
      this.#bytes -= v.buffer.byteLength;
    }
  }
}
