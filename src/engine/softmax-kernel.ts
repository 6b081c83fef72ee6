// The dense kernels of the sequential softmax MF (sequential-softmax.ts) in two interchangeable
// implementations over the same memory layout: WebAssembly SIMD (kernels/softmax-mf.wat,
// assembled by scripts/gen-wasm.mjs) and a scalar JavaScript fallback for runtimes without SIMD.
// Both round every float32 operation in the same order and keep the same float64 lane sums, so
// they give bit-identical results (test/unit/softmax-kernel.test.ts holds them to it).
import { SOFTMAX_MF_WASM_BASE64 } from "../generated/softmax-mf-wasm.js";
import { EmbeddedWasm, WASM_PAGE, growMemory } from "./embedded-wasm.js";

/** The kernels; offsets are in bytes into `memory()`, which `reserve` sizes (growing detaches old views). */
export interface SoftmaxKernel {
  readonly simd: boolean;
  reserve(bytes: number): void;
  memory(): ArrayBuffer;
  /** Logits of a quad of users (interleaved k-major at q) against np panels, plus bias: 4 rows of np·8 at out. */
  logits(q: number, f: number, panels: number, np: number, bias: number, out: number): void;
  /** The largest of n floats at row. */
  rowMax(row: number, n: number): number;
  /** v ← exp(v − m) for n floats at row (0 where v − m < −87); returns their sum in float64. */
  expRow(row: number, n: number, m: number): number;
  /** v ← v·s for n floats at row. */
  scale(row: number, n: number, s: number): void;
  /** Accumulates gc and gy (panel layout) from 4 rows of gradients by logit at g and the quad's factors at q. */
  backwardY(q: number, f: number, np: number, g: number, gy: number, gc: number): void;
  /** Writes the quad's ∂/∂x lane partials (4·f·4 floats) at gx; f even. */
  backwardX(f: number, panels: number, np: number, g: number, gx: number): void;
}

interface Exports extends Omit<SoftmaxKernel, "simd" | "reserve" | "memory"> {
  memory: WebAssembly.Memory;
}

const KERNEL = new EmbeddedWasm<Exports>(SOFTMAX_MF_WASM_BASE64);

/** True where the runtime has WebAssembly SIMD; the scalar kernel is used otherwise. */
export function simdSoftmaxAvailable(): boolean {
  return KERNEL.available();
}

class SimdSoftmaxKernel implements SoftmaxKernel {
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
  logits(q: number, f: number, panels: number, np: number, bias: number, out: number): void {
    this.#ex.logits(q, f, panels, np, bias, out);
  }
  rowMax(row: number, n: number): number {
    return this.#ex.rowMax(row, n);
  }
  expRow(row: number, n: number, m: number): number {
    return this.#ex.expRow(row, n, m);
  }
  scale(row: number, n: number, s: number): void {
    this.#ex.scale(row, n, s);
  }
  backwardY(q: number, f: number, np: number, g: number, gy: number, gc: number): void {
    this.#ex.backwardY(q, f, np, g, gy, gc);
  }
  backwardX(f: number, panels: number, np: number, g: number, gx: number): void {
    this.#ex.backwardX(f, panels, np, g, gx);
  }
}

const fr = Math.fround;
const EXP_LOW = -87;

/** Round half to even, as f32x4.nearest. */
function nearest(v: number): number {
  const n = Math.round(v);
  return n - v === 0.5 && n % 2 !== 0 ? n - 1 : n;
}

/** One lane of the kernel's exp: the same float32 operations in the same order. */
export function expLane(v: number, m: number): number {
  const x0 = fr(v - m);
  if (!(x0 >= EXP_LOW)) return 0;
  const x = x0;
  const k = nearest(fr(x * fr(1.4426950408889634)));
  let r = fr(x - fr(k * 0.693359375));
  r = fr(r - fr(k * fr(-2.1219444e-4)));
  let y = fr(fr(fr(1.98756915e-4) * r) + fr(1.3981999507e-3));
  y = fr(fr(y * r) + fr(8.3334519073e-3));
  y = fr(fr(y * r) + fr(4.1665795894e-2));
  y = fr(fr(y * r) + fr(1.6666665459e-1));
  y = fr(fr(y * r) + fr(5.0000001201e-1));
  y = fr(fr(fr(y * fr(r * r)) + r) + 1);
  return fr(y * 2 ** k);
}

/** The same arithmetic as the WebAssembly kernel, one lane at a time. */
class ScalarSoftmaxKernel implements SoftmaxKernel {
  readonly simd = false;
  #buf = new ArrayBuffer(0);
  #m = new Float32Array(0);
  reserve(bytes: number): void {
    if (this.#buf.byteLength >= bytes) return;
    const next = new ArrayBuffer(Math.ceil(bytes / WASM_PAGE) * WASM_PAGE);
    new Uint8Array(next).set(new Uint8Array(this.#buf));
    this.#buf = next;
    this.#m = new Float32Array(next);
  }
  memory(): ArrayBuffer {
    return this.#buf;
  }
  logits(q: number, f: number, panels: number, np: number, bias: number, out: number): void {
    const m = this.#m;
    const width = np * 8;
    for (let p = 0; p < np; p++) {
      const yp = (panels >> 2) + p * f * 8;
      for (let r = 0; r < 4; r++) {
        const o = (out >> 2) + r * width + p * 8;
        for (let lane = 0; lane < 8; lane++) {
          let s = 0;
          for (let k = 0; k < f; k++) s = fr(s + fr(m[(q >> 2) + k * 4 + r] * m[yp + k * 8 + lane]));
          m[o + lane] = s + m[(bias >> 2) + p * 8 + lane];
        }
      }
    }
  }
  rowMax(row: number, n: number): number {
    const m = this.#m;
    // Four lanes with f32x4.pmax's rule (a < b ? b : a), then f32.max of the lanes.
    const lanes = [m[row >> 2], m[(row >> 2) + 1], m[(row >> 2) + 2], m[(row >> 2) + 3]];
    for (let i = 4; i < n; i++) {
      const v = m[(row >> 2) + i];
      if (lanes[i & 3] < v) lanes[i & 3] = v;
    }
    return Math.max(Math.max(lanes[0], lanes[1]), Math.max(lanes[2], lanes[3]));
  }
  expRow(row: number, n: number, mx: number): number {
    const m = this.#m;
    const lanes = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const v = (m[(row >> 2) + i] = expLane(m[(row >> 2) + i], mx));
      lanes[i & 3] += v;
    }
    return lanes[0] + lanes[1] + (lanes[2] + lanes[3]);
  }
  scale(row: number, n: number, s: number): void {
    const m = this.#m;
    const sf = fr(s);
    for (let i = row >> 2, end = (row >> 2) + n; i < end; i++) m[i] = m[i] * sf;
  }
  backwardY(q: number, f: number, np: number, g: number, gy: number, gc: number): void {
    const m = this.#m;
    const width = np * 8;
    const [q4, g4, gy4, gc4] = [q >> 2, g >> 2, gy >> 2, gc >> 2];
    for (let p = 0; p < np; p++) {
      for (let lane = 0; lane < 8; lane++) {
        let c = m[gc4 + p * 8 + lane];
        for (let r = 0; r < 4; r++) c = fr(c + m[g4 + r * width + p * 8 + lane]);
        m[gc4 + p * 8 + lane] = c;
      }
      for (let k = 0; k < f; k++) {
        const gyo = gy4 + p * f * 8 + k * 8;
        for (let lane = 0; lane < 8; lane++) {
          let acc = m[gyo + lane];
          for (let r = 0; r < 4; r++) acc = fr(acc + fr(m[g4 + r * width + p * 8 + lane] * m[q4 + k * 4 + r]));
          m[gyo + lane] = acc;
        }
      }
    }
  }
  backwardX(f: number, panels: number, np: number, g: number, gx: number): void {
    const m = this.#m;
    const width = np * 8;
    for (let r = 0; r < 4; r++) {
      for (let k = 0; k < f; k++) {
        const ao = (gx >> 2) + (r * f + k) * 4;
        for (let lane = 0; lane < 4; lane++) {
          let acc = 0;
          for (let p = 0; p < np; p++) {
            const go = (g >> 2) + r * width + p * 8;
            const yo = (panels >> 2) + p * f * 8 + k * 8;
            acc = fr(acc + fr(fr(m[go + lane] * m[yo + lane]) + fr(m[go + 4 + lane] * m[yo + 4 + lane])));
          }
          m[ao + lane] = acc;
        }
      }
    }
  }
}

/** A fresh kernel instance (its own memory): SIMD unless unavailable or `simd` is false. */
export function newSoftmaxKernel(simd = true): SoftmaxKernel {
  return simd && simdSoftmaxAvailable() ? new SimdSoftmaxKernel() : new ScalarSoftmaxKernel();
}
