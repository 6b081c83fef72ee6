// Top-k selection with a bounded min-heap over a score array: O(n log k), no full sort, no
// allocation per call beyond the k results. Excluded items (seen, denied, not allowed) are
// skipped through a mask. Ties break towards the lower item index, so results are stable.
export interface Scored {
  index: number;
  score: number;
}

/** The k best entries of `scores` (index < n) not masked out (mask[i] !== 0), best first. */
export function topK(scores: Float32Array | Float64Array, k: number, mask?: Uint8Array): Scored[] {
  const n = scores.length;
  const heapIdx = new Int32Array(k);
  const heapScore = new Float64Array(k);
  let size = 0;
  // "worse" = lower score, or equal score and higher index (so the lower index wins ties)
  const worse = (sa: number, ia: number, sb: number, ib: number): boolean => sa < sb || (sa === sb && ia > ib);
  const siftDown = (pos: number): void => {
    for (;;) {
      const l = pos * 2 + 1;
      if (l >= size) return;
      const r = l + 1;
      let m = l;
      if (r < size && worse(heapScore[r], heapIdx[r], heapScore[l], heapIdx[l])) m = r;
      if (!worse(heapScore[m], heapIdx[m], heapScore[pos], heapIdx[pos])) return;
      [heapScore[m], heapScore[pos]] = [heapScore[pos], heapScore[m]];
      [heapIdx[m], heapIdx[pos]] = [heapIdx[pos], heapIdx[m]];
      pos = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (mask !== undefined && mask[i] !== 0) continue;
    const s = scores[i];
    if (Number.isNaN(s)) continue;
    if (size < k) {
      let pos = size++;
      heapIdx[pos] = i;
      heapScore[pos] = s;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        if (!worse(heapScore[pos], heapIdx[pos], heapScore[parent], heapIdx[parent])) break;
        [heapScore[parent], heapScore[pos]] = [heapScore[pos], heapScore[parent]];
        [heapIdx[parent], heapIdx[pos]] = [heapIdx[pos], heapIdx[parent]];
        pos = parent;
      }
    } else if (worse(heapScore[0], heapIdx[0], s, i)) {
      heapIdx[0] = i;
      heapScore[0] = s;
      siftDown(0);
    }
  }
  const out: Scored[] = [];
  for (let j = 0; j < size; j++) out.push({ index: heapIdx[j], score: heapScore[j] });
  return out.sort((a, b) => b.score - a.score || a.index - b.index);
}
