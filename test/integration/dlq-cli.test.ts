import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack, runCli, terminalEvents, waitFor } from "../helpers/stack.js";

describe("recflow dlq list | replay", () => {
  let stack: Stack;
  const recflow = (...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> => runCli(args, { NATS_URL: stack.nats.url });
  beforeAll(async () => {
    stack = await Stack.start({ workers: 1 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("lists failed tasks and replays them as new tasks that run again", async () => {
    expect((await recflow("dlq", "list")).stdout).toContain("no dead letters");
    const failed = await Promise.all([1, 2].map(() => stack.submit({ probe: { workMs: 10, failAttempts: 1 }, maxRetries: 0 })));
    for (const t of failed) expect((await stack.watch(t.id)).at(-1)?.event).toBe("failed");
    await waitFor(async () => (await stack.streamMessages("RECFLOW_DLQ")) === 2, 10_000, "two dead letters");

    const list = await recflow("dlq", "list");
    expect(list.code).toBe(0);
    for (const t of failed) expect(list.stdout).toContain(t.id);
    const json = (await recflow("dlq", "list", "--json")).stdout.trim().split("\n").map((l) => JSON.parse(l) as { seq: number; task: { taskId: string } });
    const target = json.find((d) => d.task.taskId === failed[0].id)!;

    const replay = await recflow("dlq", "replay", String(target.seq));
    expect(replay.code).toBe(0);
    const newId = /replayed \S+ as (\S+)/.exec(replay.stdout)?.[1];
    expect(newId).toMatch(/^t_/);
    const events = await stack.watch(newId!);
    expect(events.filter((e) => e.event === "started")).toHaveLength(1); // it really ran again
    expect(terminalEvents(events)).toHaveLength(1);
    expect(events[0].queued?.spec?.labels["replay-of"]).toBe(failed[0].id);
    // The old task keeps its final state; its dead letter is gone, the other one stays.
    expect((await stack.get(failed[0].id)).status?.state).toBe("TASK_STATE_FAILED");
    const after = (await recflow("dlq", "list")).stdout;
    expect(after).not.toContain(failed[0].id);
    expect(after).toContain(failed[1].id);

    // --all takes what is there when it starts: replays that fail again (these do, at once) add
    // new letters that this run must not chase, or it would never end.
    const all = await recflow("dlq", "replay", "--all");
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/task\(s\) replayed/);
    const replayedIds = [...all.stdout.matchAll(/replayed \S+ as (\S+)/g)].map((m) => m[1]);
    expect(all.stdout).toContain(`replayed ${failed[1].id} as`);
    for (const id of replayedIds) expect(terminalEvents(await stack.watch(id))).toHaveLength(1);

    const missing = await recflow("dlq", "replay", "999999");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no dead letter with sequence 999999");
    const usage = await recflow("dlq", "replay");
    expect(usage.code).toBe(2);
    expect(usage.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});
