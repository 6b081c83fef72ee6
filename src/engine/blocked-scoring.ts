// Blocked scoring: top-k for many queries (users, or items for similar-items) over all items of a
// factor model. Items are packed once into panels of 8 (k-major) in the kernel's memory; queries
// go through in blocks of up to 64, and items in chunks sized to stay in the L2 cache, so every
// chunk is scored against the whole block (4 queries × 8 items per kernel step) before the next
// is loaded. Scores of a chunk go straight into a bounded top-k per query (bounded-top-k.ts);
// the full score matrix never exists. Scores are float32: Σ x_k·y_k in factor order, plus the
// item's bias, each operation rounded to float32 (score-tile.ts), identical with or without SIMD.
import { BoundedTopK } from "./bounded-top-k.js";
import { newScoreTileKernel, type ScoreTileKernel } from "./score-tile.js";
import type { Scored } from "./top-k.js";

/** What is scored: queries (rows of f factors) against items. */
export interface ScoringSpace {
  f: number;
  nItems: number;
  /** Item factors, nItems × f, row-major. */
  items: Float32Array;
  /** Query factors (user factors), row-major. Unused with `cosine` (the queries are the items). */
  queries?: Float32Array;
  /** Added to each item's score: score(q, i) = x_q·y_i + bias[i]. */
  bias?: Float32Array;
  /** Cosine similarity between items: items and queries scaled to unit length first. */
  cosine?: boolean;
}

/** Which items a query may not return. */
export interface ScoringFilter {
  /** mask[i] !== 0: item i is never returned (allow/deny lists). */
  mask?: Uint8Array;
  /** Items the query row may not return, sorted ascending (seen items, the item itself). */
  exclude?: (row: number) => Int32Array | undefined;
}

export interface BlockedScorerOptions {
  /** Use the WebAssembly SIMD kernel when the runtime has it. @default true */
  simd?: boolean;
  /** Queries scored together against each item chunk (rounded up to a multiple of 4). @default 64 */
  blockQueries?: number;
  /** Bytes of packed item factors per chunk (what should stay in cache). @default 98304 */
  chunkBytes?: number;
}

const DEFAULT_BLOCK_QUERIES = 64;
// Measured on the bench's 2-core EPYC VM (f = 64): 64–128 KiB chunks were fastest; 512 KiB lost
// ~25 % to L2 misses.
const DEFAULT_CHUNK_BYTES = 96 * 1024;

/** Item factors scaled to unit length (a zero vector stays zero), for cosine similarity. */
export function unitRows(Y: Float32Array, n: number, f: number): Float32Array {
  const out = new Float32Array(n * f);
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let a = 0; a < f; a++) ss += Y[i * f + a] * Y[i * f + a];
    const norm = Math.sqrt(ss) || 1;
    for (let a = 0; a < f; a++) out[i * f + a] = Y[i * f + a] / norm;
  }
  return out;
}

/** `idx` with each CSR run sorted ascending (exclusions are walked in item order); `idx` itself if it already is. */
export function sortedRuns(ptr: Int32Array, idx: Int32Array): Int32Array {
  let sorted = true;
  for (let r = 0; r + 1 < ptr.length && sorted; r++) {
    for (let t = ptr[r] + 1; t < ptr[r + 1]; t++) if (idx[t - 1] > idx[t]) sorted = false;
  }
  if (sorted) return idx;
  const copy = Int32Array.from(idx);
  for (let r = 0; r + 1 < ptr.length; r++) copy.subarray(ptr[r], ptr[r + 1]).sort();
  return copy;
}

export class BlockedScorer {
  readonly f: number;
  readonly nItems: number;
  readonly #kernel: ScoreTileKernel;
  readonly #queries: Float32Array;
  readonly #block: number;
  readonly #panels: number;
  readonly #panelsPerChunk: number;
  /** Byte offsets in the kernel's memory. */
  readonly #biasB: number;
  readonly #queryB: number;
  readonly #outB: number;
  readonly #thrB: number;
  readonly #flagsB: number;
  readonly #heaps = new Map<number, BoundedTopK>();

  constructor(space: ScoringSpace, opts: BlockedScorerOptions = {}) {
    const { f, nItems } = space;
    if (!(f >= 1) || space.items.length < nItems * f) throw new RangeError("blocked scoring: item factors shorter than nItems × f");
    this.f = f;
    this.nItems = nItems;
    const items = space.cosine ? unitRows(space.items, nItems, f) : space.items;
    const queries = space.cosine ? items : space.queries;
    if (!queries) throw new RangeError("blocked scoring: no query factors");
    this.#queries = queries;
    this.#block = Math.max(4, Math.ceil((opts.blockQueries ?? DEFAULT_BLOCK_QUERIES) / 4) * 4);
    this.#panels = Math.ceil(nItems / 8);
    this.#panelsPerChunk = Math.max(1, Math.min(this.#panels, Math.floor((opts.chunkBytes ?? DEFAULT_CHUNK_BYTES) / (f * 32))));
    const align = (n: number): number => Math.ceil(n / 16) * 16;
    this.#biasB = align(this.#panels * f * 32);
    this.#queryB = align(this.#biasB + this.#panels * 32);
    this.#outB = align(this.#queryB + this.#block * f * 4);
    const chunkItems = this.#panelsPerChunk * 8;
    this.#thrB = align(this.#outB + this.#block * chunkItems * 4);
    this.#flagsB = align(this.#thrB + this.#block * 4);
    this.#kernel = newScoreTileKernel(opts.simd ?? true);
    this.#kernel.reserve(this.#flagsB + this.#block * this.#panelsPerChunk);
    // Pack the items into panels (padding items score 0 + 0 and are never offered) and the bias.
    const mem = new Float32Array(this.#kernel.memory());
    for (let i = 0; i < nItems; i++) {
      const base = (i >> 3) * f * 8 + (i & 7);
      for (let a = 0; a < f; a++) mem[base + a * 8] = items[i * f + a];
    }
    if (space.bias) mem.set(space.bias.subarray(0, nItems), this.#biasB >> 2);
  }

  /** True when the WebAssembly SIMD kernel does the arithmetic. */
  get simd(): boolean {
    return this.#kernel.simd;
  }

  /** All items' scores for query `row` (length ≥ nItems). */
  scoreRow(row: number, out: Float32Array): void {
    this.#loadRow(row);
    const mem = new Float32Array(this.#kernel.memory());
    for (let p0 = 0; p0 < this.#panels; p0 += this.#panelsPerChunk) {
      const p1 = Math.min(this.#panels, p0 + this.#panelsPerChunk);
      this.#kernel.row(this.#queryB, this.f, 0, p0, p1, this.#biasB, this.#outB);
      const n = Math.min(this.nItems, p1 * 8) - p0 * 8;
      out.set(mem.subarray(this.#outB >> 2, (this.#outB >> 2) + n), p0 * 8);
    }
  }

  /**
   * The k best items for each query row in rows[from, to), emitted in order of j: emit(j, list),
   * or emit(j, undefined) for a negative row (e.g. an unknown user, not scored). Lists are best
   * first, ties to the lower item index, as topK returns them.
   */
  topK(rows: ArrayLike<number>, k: number, filter: ScoringFilter, emit: (j: number, list: Scored[] | undefined) => void, from = 0, to = rows.length): void {
    let heaps = this.#heaps.get(k);
    if (!heaps) this.#heaps.set(k, (heaps = new BoundedTopK(this.#block, k)));
    const pos = new Int32Array(this.#block);
    let j = from;
    while (j < to) {
      // Gather the next block of known rows.
      const start = j;
      let nb = 0;
      for (; j < to && nb < this.#block; j++) {
        const row = rows[j];
        if (row < 0) continue;
        pos[nb] = j;
        heaps.reset(nb, filter.exclude?.(row));
        nb++;
      }
      if (nb > 0) this.#scoreBlock(rows, pos, nb, heaps, filter.mask);
      for (let jj = start, b = 0; jj < j; jj++) {
        if (b < nb && pos[b] === jj) emit(jj, heaps.result(b++));
        else emit(jj, undefined);
      }
    }
  }

  #scoreBlock(rows: ArrayLike<number>, pos: Int32Array, nb: number, heaps: BoundedTopK, mask: Uint8Array | undefined): void {
    const f = this.f;
    const kernel = this.#kernel;
    const mem = new Float32Array(kernel.memory());
    const q = this.#queryB >> 2;
    const nq = Math.ceil(nb / 4);
    if (nb === 1) {
      this.#loadRow(rows[pos[0]]);
    } else {
      // Interleave each quad k-major; the missing rows of a last, partial quad score as zeros.
      const Q = this.#queries;
      for (let r = 0; r < nq * 4; r++) {
        const dst = q + (r >> 2) * 4 * f + (r & 3);
        if (r < nb) {
          const src = rows[pos[r]] * f;
          for (let a = 0; a < f; a++) mem[dst + a * 4] = Q[src + a];
        } else {
          for (let a = 0; a < f; a++) mem[dst + a * 4] = 0;
        }
      }
    }
    const outF = this.#outB >> 2;
    const thr = this.#thrB >> 2;
    const flags = new Uint8Array(kernel.memory());
    for (let p0 = 0; p0 < this.#panels; p0 += this.#panelsPerChunk) {
      const p1 = Math.min(this.#panels, p0 + this.#panelsPerChunk);
      const width = (p1 - p0) * 8;
      const n = Math.min(this.nItems, p1 * 8) - p0 * 8;
      if (nb === 1) {
        kernel.row(this.#queryB, f, 0, p0, p1, this.#biasB, this.#outB);
        heaps.offer(0, mem, outF, n, p0 * 8, mask);
        continue;
      }
      // Thresholds as of this chunk (they only rise, so a stale one lets through a few more panels).
      for (let b = 0; b < nq * 4; b++) mem[thr + b] = b < nb ? heaps.threshold(b) : Number.POSITIVE_INFINITY;
      kernel.tile(this.#queryB, nq, f, 0, p0, p1, this.#biasB, this.#outB, this.#thrB, this.#flagsB);
      for (let b = 0; b < nb; b++) heaps.offerFlagged(b, mem, outF + b * width, n, p0 * 8, mask, flags, this.#flagsB + b * (p1 - p0));
    }
  }

  #loadRow(row: number): void {
    const f = this.f;
    new Float32Array(this.#kernel.memory(), this.#queryB, f).set(this.#queries.subarray(row * f, row * f + f));
  }
}
