// A helper thread of a SoftmaxTeam: evaluates its user blocks of each command (thread-team.ts).
import { workerData } from "node:worker_threads";
import { runPart, type SoftmaxTeamShared } from "./softmax-team-protocol.js";
import { serveTeam } from "./thread-team.js";

const { shared, part } = workerData as { shared: SoftmaxTeamShared; part: number };
serveTeam(shared.ctrl, (cmd) => runPart(shared, cmd, part));
