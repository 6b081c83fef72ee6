// What the engine's WebAssembly SIMD kernels (als-kernel.ts, score-tile.ts, softmax-kernel.ts)
// share: the module embedded as base64 by scripts/gen-wasm.mjs, validated and compiled once per
// thread on first use (null where the runtime has no SIMD, and the caller's scalar kernel is used),
// and memory grown in whole pages.

/** WebAssembly's page size; the scalar fallbacks size their buffers in the same steps. */
export const WASM_PAGE = 65_536;

export class EmbeddedWasm<Exports extends { memory: WebAssembly.Memory }> {
  readonly #bytes: Buffer;
  #module: WebAssembly.Module | null | undefined;

  constructor(base64: string) {
    this.#bytes = Buffer.from(base64, "base64");
  }

  /** True where the runtime can run the module (WebAssembly SIMD). */
  available(): boolean {
    if (this.#module === undefined) this.#module = WebAssembly.validate(this.#bytes) ? new WebAssembly.Module(this.#bytes) : null;
    return this.#module !== null;
  }

  /** A new instance, with its own memory; only where available(). */
  instantiate(): Exports {
    if (!this.available()) throw new Error("WebAssembly SIMD is not available in this runtime");
    return new WebAssembly.Instance(this.#module!).exports as unknown as Exports;
  }
}

/** Grows `mem` to at least `bytes` (growing detaches views of the old buffer). */
export function growMemory(mem: WebAssembly.Memory, bytes: number): void {
  if (mem.buffer.byteLength < bytes) mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / WASM_PAGE));
}
