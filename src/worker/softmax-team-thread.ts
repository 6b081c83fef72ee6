// A helper thread of a SoftmaxTeam: waits on the control array for a command, evaluates its user
// blocks, counts itself done, until told to exit. Synchronous by design: it has no other work.
import { workerData } from "node:worker_threads";
import { CMD, CTRL, runPart, type SoftmaxTeamShared } from "./softmax-team-protocol.js";

const { shared, part } = workerData as { shared: SoftmaxTeamShared; part: number };
const { ctrl } = shared;
let generation = Atomics.load(ctrl, CTRL.generation);
Atomics.add(ctrl, CTRL.ready, 1);
Atomics.notify(ctrl, CTRL.ready);
for (;;) {
  Atomics.wait(ctrl, CTRL.generation, generation);
  generation = Atomics.load(ctrl, CTRL.generation);
  const cmd = Atomics.load(ctrl, CTRL.command);
  if (cmd === CMD.exit) break;
  try {
    runPart(shared, cmd, part);
  } catch {
    Atomics.store(ctrl, CTRL.failed, 1);
  }
  Atomics.add(ctrl, CTRL.done, 1);
  Atomics.notify(ctrl, CTRL.done);
}
