// Counting distinct ids in bounded memory, for the upload's shape before the dataset is compiled.
// Exact (a set of 53-bit hashes) up to `exactLimit` distinct values, then a HyperLogLog sketch
// (2^14 one-byte registers, standard error 1.04/√16384 ≈ 0.8%). Memory is at most the exact
// table (2·exactLimit doubles) plus 16 KiB, whatever the number of rows: 65,536 → 1 MiB.

const P = 14;
const REGISTERS = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / REGISTERS);

/** cyrb53: a fast 53-bit string hash, as two 32-bit halves (h1 gives the register, h2 the rank). */
function hash53(s: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

export class DistinctCounter {
  readonly #exactLimit: number;
  /** Open addressing over hash+1 (0 = empty), load ≤ 1/2; dropped when the sketch takes over. */
  #table: Float64Array | undefined;
  #exact = 0;
  #registers: Uint8Array | undefined;

  /** @param exactLimit distinct values counted exactly before switching to the sketch. @default 65536 */
  constructor(exactLimit = 65_536) {
    this.#exactLimit = exactLimit;
    let size = 16;
    while (size < 2 * exactLimit) size *= 2;
    this.#table = new Float64Array(size);
  }

  /** True while the count is exact (up to 53-bit hash collisions, ~n²/2⁵⁴). */
  get exact(): boolean {
    return this.#registers === undefined;
  }

  add(value: string): void {
    const [h1, h2] = hash53(value);
    if (this.#table) {
      this.#addExact((h2 & 0x1fffff) * 4294967296 + h1 + 1);
      if (this.#exact > this.#exactLimit) this.#toSketch();
      return;
    }
    this.#addSketch(h1, h2 & 0x1fffff);
  }

  /** The number of distinct values added (an estimate once more than `exactLimit`). */
  count(): number {
    if (!this.#registers) return this.#exact;
    let sum = 0;
    let zeros = 0;
    for (let r = 0; r < REGISTERS; r++) {
      sum += 2 ** -this.#registers[r];
      if (this.#registers[r] === 0) zeros++;
    }
    const raw = (ALPHA * REGISTERS * REGISTERS) / sum;
    // Small-range correction (linear counting), as in Flajolet et al.; the rank comes from bits
    // apart from the register index, so no large-range correction is needed below ~2^36 values.
    if (raw <= 2.5 * REGISTERS && zeros > 0) return Math.round(REGISTERS * Math.log(REGISTERS / zeros));
    return Math.round(raw);
  }

  #addExact(key: number): void {
    const table = this.#table!;
    const mask = table.length - 1;
    let slot = key % table.length & mask;
    for (;;) {
      const v = table[slot];
      if (v === key) return;
      if (v === 0) {
        table[slot] = key;
        this.#exact++;
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** `low21`: the 21 bits of h2 the exact key keeps too, so a value ranks the same before and after the switch. */
  #addSketch(h1: number, low21: number): void {
    const r = h1 & (REGISTERS - 1);
    // Rank: position of the first 1-bit (1-based) in 21 bits, at most 22: enough below 2^14·2^22 values.
    const rank = Math.clz32(((low21 << 11) | 0x400) >>> 0) + 1;
    if (rank > this.#registers![r]) this.#registers![r] = rank;
  }

  #toSketch(): void {
    const table = this.#table!;
    this.#registers = new Uint8Array(REGISTERS);
    for (let k = 0; k < table.length; k++) {
      const v = table[k];
      if (v === 0) continue;
      const key = v - 1;
      const h1 = key % 4294967296;
      this.#addSketch(h1, Math.floor(key / 4294967296));
    }
    this.#table = undefined;
  }
}
