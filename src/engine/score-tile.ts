// The scoring kernel behind blocked-scoring.ts, in two interchangeable implementations over the
// same memory layout: WebAssembly SIMD (kernels/score-tile.wat, assembled by scripts/gen-wasm.mjs)
// and a scalar JavaScript fallback for runtimes without SIMD. Both round every multiply and add
// to float32 in the same order, so they give bit-identical scores (the unit tests hold them to it).
import { SCORE_TILE_WASM_BASE64 } from "../generated/score-tile-wasm.js";
import { EmbeddedWasm, WASM_PAGE, growMemory } from "./embedded-wasm.js";


interface Exports {
  memory: WebAssembly.Memory;
  tile(q: number, nq: number, f: number, panels: number, p0: number, p1: number, bias: number, out: number, thr: number, flags: number): void;
  row(q: number, f: number, panels: number, p0: number, p1: number, bias: number, out: number): void;
}

const KERNEL = new EmbeddedWasm<Exports>(SCORE_TILE_WASM_BASE64);

/** True where the runtime has WebAssembly SIMD; the scalar kernel is used otherwise. */
export function simdScoringAvailable(): boolean {
  return KERNEL.available();
}

/**
 * Scores queries against items packed in panels of 8 (see kernels/score-tile.wat for the layout).
 * Offsets are in bytes into `memory()`, which `reserve` sizes once (growing detaches old views).
 */
export interface ScoreTileKernel {
  readonly simd: boolean;
  reserve(bytes: number): void;
  memory(): ArrayBuffer;
  /**
   * `nq` interleaved quads × panels [p0, p1) → 4·nq rows of (p1 − p0)·8 scores at `out`, and per
   * row (p1 − p0) flag bytes at `flags`: 1 where a panel has a score ≥ the row's float32 at `thr`.
   */
  tile(q: number, nq: number, f: number, panels: number, p0: number, p1: number, bias: number, out: number, thr: number, flags: number): void;
  /** One contiguous query × panels [p0, p1) → (p1 − p0)·8 scores at `out`. */
  row(q: number, f: number, panels: number, p0: number, p1: number, bias: number, out: number): void;
}

class SimdTileKernel implements ScoreTileKernel {
  readonly simd = true;
  readonly #ex: Exports;
  constructor() {
    this.#ex = KERNEL.instantiate();
  }
  reserve(bytes: number): void {
    growMemory(this.#ex.memory, bytes);
  }
  memory(): ArrayBuffer {
    return this.#ex.memory.buffer;
  }
  tile(q: number, nq: number, f: number, panels: number, p0: number, p1: number, bias: number, out: number, thr: number, flags: number): void {
    this.#ex.tile(q, nq, f, panels, p0, p1, bias, out, thr, flags);
  }
  row(q: number, f: number, panels: number, p0: number, p1: number, bias: number, out: number): void {
    this.#ex.row(q, f, panels, p0, p1, bias, out);
  }
}

const fr = Math.fround;

/** The same arithmetic as the WebAssembly kernel, one lane at a time. */
class ScalarTileKernel implements ScoreTileKernel {
  readonly simd = false;
  #buf = new ArrayBuffer(0);
  #m = new Float32Array(0);
  #b = new Uint8Array(0);
  reserve(bytes: number): void {
    if (this.#buf.byteLength >= bytes) return;
    const next = new ArrayBuffer(Math.ceil(bytes / WASM_PAGE) * WASM_PAGE);
    new Uint8Array(next).set(new Uint8Array(this.#buf));
    this.#buf = next;
    this.#m = new Float32Array(next);
    this.#b = new Uint8Array(next);
  }
  memory(): ArrayBuffer {
    return this.#buf;
  }
  tile(q: number, nq: number, f: number, panels: number, p0: number, p1: number, bias: number, out: number, thr: number, flags: number): void {
    const m = this.#m;
    const width = (p1 - p0) * 8;
    for (let qd = 0; qd < nq; qd++) {
      const xq = (q >> 2) + qd * 4 * f;
      for (let p = p0; p < p1; p++) {
        const yp = (panels >> 2) + p * f * 8;
        for (let r = 0; r < 4; r++) {
          const o = (out >> 2) + (qd * 4 + r) * width + (p - p0) * 8;
          const t = m[(thr >> 2) + qd * 4 + r];
          let flag = 0;
          for (let lane = 0; lane < 8; lane++) {
            let s = 0;
            for (let k = 0; k < f; k++) s = fr(s + fr(m[xq + k * 4 + r] * m[yp + k * 8 + lane]));
            m[o + lane] = s + m[(bias >> 2) + p * 8 + lane];
            if (m[o + lane] >= t) flag = 1;
          }
          this.#b[flags + (qd * 4 + r) * (p1 - p0) + (p - p0)] = flag;
        }
      }
    }
  }
  row(q: number, f: number, panels: number, p0: number, p1: number, bias: number, out: number): void {
    const m = this.#m;
    const xq = q >> 2;
    for (let p = p0; p < p1; p++) {
      const yp = (panels >> 2) + p * f * 8;
      const o = (out >> 2) + (p - p0) * 8;
      for (let lane = 0; lane < 8; lane++) {
        let s = 0;
        for (let k = 0; k < f; k++) s = fr(s + fr(m[xq + k] * m[yp + k * 8 + lane]));
        m[o + lane] = s + m[(bias >> 2) + p * 8 + lane];
      }
    }
  }
}

/** A fresh kernel instance (its own memory): SIMD unless unavailable or `simd` is false. */
export function newScoreTileKernel(simd = true): ScoreTileKernel {
  return simd && simdScoringAvailable() ? new SimdTileKernel() : new ScalarTileKernel();
}
