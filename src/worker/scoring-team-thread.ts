// A helper thread of a ScoringTeam: builds its own scorer over the shared factors, claims units
// of query rows until none are left, then ends. A failure is recorded in the control array (and
// wakes the task's thread), which then fails the task instead of waiting for a unit never done.
import { workerData } from "node:worker_threads";
import { SCTRL, claimAndRun, newScorer, type ScoringShared } from "./scoring-team-protocol.js";

const { shared } = workerData as { shared: ScoringShared };
try {
  const scorer = newScorer(shared);
  while (claimAndRun(shared, scorer) >= 0);
} catch {
  Atomics.store(shared.ctrl, SCTRL.failed, 1);
  for (let u = 0; u < shared.done.length; u++) Atomics.notify(shared.done, u);
}
