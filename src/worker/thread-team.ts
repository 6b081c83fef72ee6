// The Atomics protocol of a team of threads working on one synchronous computation (an ALS
// training: als-team.ts; a sequential-softmax fit: softmax-team.ts). The calling thread is part
// 0; helper threads (parts 1…) wait on a shared control array for a command, run their part,
// count themselves done, until told to exit. No messages, so the caller stays synchronous. The
// helpers are started by a supervisor thread (team-supervisor.ts), which raises `dead` when one
// of them dies: the caller then throws instead of waiting forever for a part that never ends.
import { SupervisedHelpers } from "./team-supervisor.js";

/** Slots of the control array. */
export const CTRL = { generation: 0, command: 1, done: 2, ready: 3, failed: 4, dead: 5, length: 6 } as const;

/** The command that ends a helper thread's loop (the teams number theirs below it). */
export const EXIT = 9;

const READY_TIMEOUT_MS = 10_000;

/** `a` itself when it is SharedArrayBuffer-backed, else a shared copy: what a team's threads can all read. */
export function sharedCopy<T extends Float32Array | Int32Array | Float64Array | Uint8Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** A new control array for a team. */
export function controlArray(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(CTRL.length * 4));
}

/** The helper threads of one problem: parts 1 … threads − 1, running `threadUrl` on `workerData(part)`. */
export class TeamHelpers {
  readonly #ctrl: Int32Array;
  readonly #helpers: SupervisedHelpers;
  readonly #count: number;
  readonly #what: string;

  private constructor(ctrl: Int32Array, helpers: SupervisedHelpers, count: number, what: string) {
    this.#ctrl = ctrl;
    this.#helpers = helpers;
    this.#count = count;
    this.#what = what;
  }

  /** Starts the helpers and waits (synchronously, like the computation) until each is in its loop. */
  static start(threadUrl: URL, ctrl: Int32Array, threads: number, workerData: (part: number) => unknown, what: string): TeamHelpers {
    const parts = Array.from({ length: threads - 1 }, (_, i) => workerData(i + 1));
    const helpers = new TeamHelpers(ctrl, SupervisedHelpers.start(threadUrl, parts, { ctrl, slot: CTRL.dead, wake: [ctrl] }), parts.length, what);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (let ready = Atomics.load(ctrl, CTRL.ready); ready < threads - 1; ready = Atomics.load(ctrl, CTRL.ready)) {
      const why = Atomics.load(ctrl, CTRL.dead) !== 0 ? "a helper thread died while starting" : Date.now() > deadline ? `helper threads did not start within ${READY_TIMEOUT_MS} ms` : undefined;
      if (why) {
        void helpers.stop();
        throw new Error(`${what}: ${why}`);
      }
      Atomics.wait(ctrl, CTRL.ready, ready, 100);
    }
    return helpers;
  }

  /** Runs `cmd` on every part: the helpers on their threads, part 0 by `ownPart` here; returns when all are done. */
  run(cmd: number, ownPart: () => void): void {
    const ctrl = this.#ctrl;
    Atomics.store(ctrl, CTRL.done, 0);
    Atomics.store(ctrl, CTRL.command, cmd);
    Atomics.add(ctrl, CTRL.generation, 1);
    Atomics.notify(ctrl, CTRL.generation);
    ownPart();
    for (let done = Atomics.load(ctrl, CTRL.done); done < this.#count; done = Atomics.load(ctrl, CTRL.done)) {
      // Its part will never be counted: the run fails now (the caller's close() ends the others).
      if (Atomics.load(ctrl, CTRL.dead) !== 0) throw new Error(`a ${this.#what} helper thread died`);
      Atomics.wait(ctrl, CTRL.done, done, 1000);
    }
    if (Atomics.load(ctrl, CTRL.failed) !== 0) throw new Error(`a ${this.#what} helper thread failed`);
  }

  /** Tells the helpers to exit and ends their threads. */
  async stop(): Promise<void> {
    Atomics.store(this.#ctrl, CTRL.command, EXIT);
    Atomics.add(this.#ctrl, CTRL.generation, 1);
    Atomics.notify(this.#ctrl, CTRL.generation);
    await this.#helpers.stop();
  }
}

/** A helper thread's loop: `runPart(cmd)` per command until EXIT; a throw marks the run failed. */
export function serveTeam(ctrl: Int32Array, runPart: (cmd: number) => void): void {
  let generation = Atomics.load(ctrl, CTRL.generation);
  Atomics.add(ctrl, CTRL.ready, 1);
  Atomics.notify(ctrl, CTRL.ready);
  for (;;) {
    // Only a new generation is a new command: a wake-up without one (the supervisor's alarm
    // notifies every slot) must not run the last command again and count it done twice, which
    // made a run whose helper had died look complete.
    while (Atomics.load(ctrl, CTRL.generation) === generation) Atomics.wait(ctrl, CTRL.generation, generation);
    generation = Atomics.load(ctrl, CTRL.generation);
    const cmd = Atomics.load(ctrl, CTRL.command);
    if (cmd === EXIT) break;
    try {
      runPart(cmd);
    } catch {
      Atomics.store(ctrl, CTRL.failed, 1);
    }
    Atomics.add(ctrl, CTRL.done, 1);
    Atomics.notify(ctrl, CTRL.done);
  }
}
