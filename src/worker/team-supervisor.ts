// The helper threads of a team (thread-team.ts, scoring-team.ts), started by a supervisor thread
// instead of by the team's own thread. The team's thread blocks in Atomics.wait while its helpers
// work, so it can never hear one die: a Worker's 'error' and 'exit' events need the event loop of
// the thread that started it. The supervisor's event loop is free. When a helper ends with an
// error or a non-zero exit code (a thread that ran out of memory, an exception outside its part,
// process.exit in it), the supervisor raises the team's alarm slot and wakes every address the
// team's thread may wait on, so the task fails and is retried instead of running forever.
import { Worker } from "node:worker_threads";

/** Where a helper's death is reported: `slot` of `ctrl` set to 1, then every address of `wake` notified. */
export interface DeathAlarm {
  ctrl: Int32Array;
  slot: number;
  /** Arrays the team's thread may be waiting on (every index of each is notified). */
  wake: Int32Array[];
}

/** What the supervisor thread gets (team-supervisor-thread.ts). */
export interface SupervisorData {
  threadUrl: string;
  /** One helper per entry, started with it as its workerData. */
  helpers: unknown[];
  alarm: DeathAlarm;
}

export class SupervisedHelpers {
  readonly #supervisor: Worker;

  private constructor(supervisor: Worker) {
    this.#supervisor = supervisor;
  }

  /** Starts the supervisor, which starts one helper running `threadUrl` per entry of `helpers`. */
  static start(threadUrl: URL, helpers: unknown[], alarm: DeathAlarm): SupervisedHelpers {
    const data: SupervisorData = { threadUrl: threadUrl.href, helpers, alarm };
    const supervisor = new Worker(new URL("./team-supervisor-thread.js", import.meta.url), { workerData: data });
    supervisor.unref();
    return new SupervisedHelpers(supervisor);
  }

  /** Ends the supervisor and with it every helper still running (a thread's threads end with it). */
  async stop(): Promise<void> {
    await this.#supervisor.terminate();
  }
}

/** Raises the alarm: the slot first, then the wake-ups, so a woken thread sees it. */
export function raiseAlarm(alarm: DeathAlarm): void {
  Atomics.store(alarm.ctrl, alarm.slot, 1);
  Atomics.notify(alarm.ctrl, alarm.slot);
  for (const a of alarm.wake) for (let i = 0; i < a.length; i++) Atomics.notify(a, i);
}
