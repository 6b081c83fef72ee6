// The sparse half of ALS's conjugate-gradient step in WebAssembly SIMD (f32x4): for a row's
// nonzeros, Σ coef_k·y_k with coef_k from y_k·v. It is ~90 % of a sweep's arithmetic, and V8 does
// not vectorise JavaScript: measured 2.2-2.9× faster than the unrolled JS kernel on the bench's
// 6,000 × 4,000 × 1 M set (64 factors). Source: kernels/als-sparse.wat, assembled by
// scripts/gen-wasm.mjs. One instance per solve, with its own memory holding a copy of the other
// side's factors and of the row slice's nonzeros; the dense parts of the CG stay in float64 JS.
import { ALS_SPARSE_WASM_BASE64 } from "../generated/als-sparse-wasm.js";
import { EmbeddedWasm, growMemory } from "./embedded-wasm.js";

interface Exports {
  memory: WebAssembly.Memory;
  pass(y: number, idx: number, w: number, start: number, end: number, alpha: number, f: number, v: number, out: number, residual: number): void;
}

const KERNEL = new EmbeddedWasm<Exports>(ALS_SPARSE_WASM_BASE64);

/** True where the runtime has WebAssembly SIMD (Node ≥ 16.4); the JS kernel is used otherwise. */
export function simdKernelAvailable(): boolean {
  return KERNEL.available();
}

/** Factor counts the SIMD kernel handles (its loops step 16 floats). */
export function simdKernelFits(f: number): boolean {
  return f % 16 === 0 && simdKernelAvailable();
}

/**
 * A loaded problem slice: the factors of the other side and the nonzeros of rows [from, to).
 * `pass` works on row k's nonzero range given as absolute CSR positions.
 */
export class SparseKernel {
  readonly #ex: Exports;
  #f = 0;
  #yB = 0;
  #idxB = 0;
  #wB = 0;
  #vB = 0;
  #outB = 0;
  #base = 0;
  #v: Float32Array = new Float32Array(0);
  #out: Float32Array = new Float32Array(0);

  constructor() {
    if (!simdKernelAvailable()) throw new Error("WebAssembly SIMD is not available");
    this.#ex = KERNEL.instantiate();
  }

  /** Copies Y (all rows) and the nonzeros [nzFrom, nzTo) into the kernel's memory. */
  load(Y: Float32Array, indices: Int32Array, weights: Float32Array, nzFrom: number, nzTo: number, f: number): void {
    const nnz = nzTo - nzFrom;
    const align = (n: number): number => Math.ceil(n / 16) * 16;
    this.#f = f;
    this.#yB = 0;
    this.#idxB = align(Y.length * 4);
    this.#wB = align(this.#idxB + nnz * 4);
    this.#vB = align(this.#wB + nnz * 4);
    this.#outB = align(this.#vB + f * 4);
    const need = this.#outB + f * 4;
    growMemory(this.#ex.memory, need);
    const buf = this.#ex.memory.buffer;
    new Float32Array(buf, this.#yB, Y.length).set(Y);
    new Int32Array(buf, this.#idxB, nnz).set(indices.subarray(nzFrom, nzTo));
    new Float32Array(buf, this.#wB, nnz).set(weights.subarray(nzFrom, nzTo));
    this.#v = new Float32Array(buf, this.#vB, f);
    this.#out = new Float32Array(buf, this.#outB, f);
    this.#base = nzFrom;
  }

  /** out += Σ coef·y over nonzeros [start, end) (absolute), as sparsePass in als.ts. */
  pass(start: number, end: number, alpha: number, v: Float64Array, out: Float64Array, residual: boolean): void {
    const f = this.#f;
    const kv = this.#v;
    for (let a = 0; a < f; a++) kv[a] = v[a];
    this.#ex.pass(this.#yB, this.#idxB, this.#wB, start - this.#base, end - this.#base, alpha, f, this.#vB, this.#outB, residual ? 1 : 0);
    const ko = this.#out;
    for (let a = 0; a < f; a++) out[a] += ko[a];
  }
}

/**
 * A fresh kernel for one solve (one sweep's row slice). Its memory goes when the solve ends, so a
 * large training does not pin hundreds of MB in a pool thread for good; the compiled module is
 * cached, so this costs an allocation and a copy per sweep (a few ms against ~200 ms).
 */
export function newKernel(f: number): SparseKernel {
  if (!simdKernelFits(f)) throw new Error(`the SIMD kernel needs a factor count that is a multiple of 16, got ${f}`);
  return new SparseKernel();
}
