// The popularity baseline: items ranked by how many users interacted with them. Every model is
// reported next to it, and unknown users (cold start) get it.
import type { Csr } from "./als.js";

export function itemPopularity(C: Csr, nItems: number): Float32Array {
  const pop = new Float32Array(nItems);
  for (let k = 0; k < C.indices.length; k++) pop[C.indices[k]] += 1;
  return pop;
}
