// A helper thread of an AlsTeam: runs its row slice of each command (thread-team.ts).
import { workerData } from "node:worker_threads";
import { runPart, type TeamShared } from "./als-team-protocol.js";
import { serveTeam } from "./thread-team.js";

const { shared, part } = workerData as { shared: TeamShared; part: number };
serveTeam(shared.ctrl, (cmd) => runPart(shared, cmd, part));
