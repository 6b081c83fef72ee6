// The supervisor of a team's helper threads (team-supervisor.ts): starts them, and raises the
// team's alarm when one dies. It ends by itself once every helper has ended.
import { Worker, workerData } from "node:worker_threads";
import { raiseAlarm, type SupervisorData } from "./team-supervisor.js";

const { threadUrl, helpers, alarm } = workerData as SupervisorData;
for (const data of helpers) {
  const helper = new Worker(new URL(threadUrl), { workerData: data });
  helper.on("error", () => raiseAlarm(alarm));
  helper.on("exit", (code) => {
    if (code !== 0) raiseAlarm(alarm);
  });
}
