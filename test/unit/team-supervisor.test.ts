// A helper thread of a team that dies must fail the team's computation, not hang it: the team's
// thread blocks in Atomics.wait and cannot hear the death itself, so a supervisor thread raises
// the alarm (src/worker/team-supervisor.ts). Real threads that really end (process.exit in the
// thread), loaded from dist/ like the other team tests.
import { describe, expect, it } from "vitest";
import type * as TeamModule from "../../src/worker/thread-team.js";
import type * as SupervisorModule from "../../src/worker/team-supervisor.js";

const threadTeamUrl = new URL("../../dist/worker/thread-team.js", import.meta.url).href;
const { TeamHelpers, controlArray, CTRL } = (await import(threadTeamUrl)) as typeof TeamModule;
const { SupervisedHelpers } = (await import(new URL("../../dist/worker/team-supervisor.js", import.meta.url).href)) as typeof SupervisorModule;
const DYING = new URL("../fixtures/dying-team-helper.mjs", import.meta.url);
const EXITING = new URL("../fixtures/exiting-helper.mjs", import.meta.url);

describe("team helper threads that die", () => {
  it("fail the run they were part of, at once, instead of leaving it waiting", async () => {
    const ctrl = controlArray();
    const helpers = TeamHelpers.start(DYING, ctrl, 3, (part) => ({ threadTeamUrl, ctrl, part, dieAt: "run" }), "test");
    try {
      const t0 = Date.now();
      // Part 1 dies 300 ms into command 1, after part 2 and this thread's own part finished theirs.
      expect(() => helpers.run(1, () => undefined)).toThrow("a test helper thread died");
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      await helpers.stop();
    }
  });

  it("fail the start of the team without waiting out the start timeout", () => {
    const ctrl = controlArray();
    const t0 = Date.now();
    expect(() => TeamHelpers.start(DYING, ctrl, 2, (part) => ({ threadTeamUrl, ctrl, part, dieAt: "start" }), "test")).toThrow("test: a helper thread died while starting");
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it("leave a healthy team alone: runs complete and the alarm stays down", async () => {
    const ctrl = controlArray();
    const helpers = TeamHelpers.start(DYING, ctrl, 3, (part) => ({ threadTeamUrl, ctrl, part, dieAt: "never" }), "test");
    for (let i = 0; i < 3; i++) helpers.run(1, () => undefined);
    await helpers.stop();
    expect(Atomics.load(ctrl, CTRL.dead)).toBe(0);
  });

  it("run a command once per command: a wake-up without a new one (the alarm notifies every slot) is not a command", async () => {
    const ctrl = controlArray();
    const helpers = TeamHelpers.start(DYING, ctrl, 3, (part) => ({ threadTeamUrl, ctrl, part, dieAt: "never" }), "test");
    try {
      helpers.run(1, () => undefined);
      expect(Atomics.load(ctrl, CTRL.done)).toBe(2);
      // What raiseAlarm does to the generation slot the helpers wait on.
      Atomics.notify(ctrl, CTRL.generation);
      await new Promise((r) => setTimeout(r, 300));
      expect(Atomics.load(ctrl, CTRL.done)).toBe(2);
    } finally {
      await helpers.stop();
    }
  });

  it("wake a thread blocked on the team's wait address when one dies, and not when one ends cleanly", () => {
    const wait = (code: number): { woke: string; alarm: number } => {
      const ctrl = new Int32Array(new SharedArrayBuffer(8));
      const done = new Int32Array(new SharedArrayBuffer(16));
      const helpers = SupervisedHelpers.start(EXITING, [{ afterMs: 300, code }], { ctrl, slot: 1, wake: [done] });
      // Blocks this thread as a team's thread blocks: only the supervisor can wake it.
      const woke = Atomics.wait(done, 2, 0, 3_000);
      void helpers.stop();
      return { woke, alarm: Atomics.load(ctrl, 1) };
    };
    expect(wait(7)).toEqual({ woke: "ok", alarm: 1 });
    expect(wait(0)).toEqual({ woke: "timed-out", alarm: 0 });
  });
});
