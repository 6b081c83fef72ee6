// The bench client's BullMQ modes, the same shapes as recflow's: W1 `add` with 256 loops each
// waiting for its job's `completed` on QueueEvents, W1 batch `addBulk` with a few batches in flight,
// W2 sequential `add`. Completions are matched by job id on one QueueEvents stream (the way
// Job.waitUntilFinished does, without a listener per job); one that arrives before `add` resolved
// is remembered.
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";

export type BullmqJob =
  | { mode: "bullmq-tasks"; redisPort: number; queue: string; count: number; concurrency: number }
  | { mode: "bullmq-batch"; redisPort: number; queue: string; count: number; batchSize: number; batchesInFlight: number }
  | { mode: "bullmq-submit"; redisPort: number; queue: string; count: number };

/** Runs `fn(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(count, concurrency) }, async () => {
    while (next < count) await fn(next++);
  }));
}

/** Completion notices keyed by id, whichever of "done" and "wait" comes first. */
export class Completions {
  readonly #waiting = new Map<string, () => void>();
  readonly #early = new Set<string>();
  done(id: string): void {
    const w = this.#waiting.get(id);
    if (w) {
      this.#waiting.delete(id);
      w();
    } else this.#early.add(id);
  }
  wait(id: string): Promise<void> {
    if (this.#early.delete(id)) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.set(id, resolve));
  }
}

export async function runBullmq(job: BullmqJob): Promise<object> {
  const connection = { host: "127.0.0.1", port: job.redisPort, maxRetriesPerRequest: null };
  const queue = new Queue(job.queue, { connection });
  // QueueEvents reads from "$" by default, i.e. from whenever its first XREAD reaches Redis, which
  // can be after the first jobs completed (a loop then waits forever). Start from the stream's
  // last entry as of now instead.
  const redis = new Redis(connection);
  const [last] = await redis.xrevrange(queue.keys.events, "+", "-", "COUNT", 1);
  redis.disconnect();
  const events = new QueueEvents(job.queue, { connection, lastEventId: last?.[0] ?? "0-0" });
  const completions = new Completions();
  let failed = 0;
  events.on("completed", ({ jobId }) => completions.done(jobId));
  events.on("failed", ({ jobId }) => {
    failed++;
    completions.done(jobId);
  });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  try {
    if (job.mode === "bullmq-submit") {
      for (let i = 0; i < 20; i++) await queue.add("noop", { workMs: 0 });
      const latencies: number[] = [];
      for (let i = 0; i < job.count; i++) {
        const t0 = performance.now();
        await queue.add("noop", { workMs: 0 });
        latencies.push(performance.now() - t0);
      }
      return { latencies };
    }
    const latencies: number[] = [];
    const cpuAtStart = process.cpuUsage();
    const started = performance.now();
    if (job.mode === "bullmq-tasks") {
      await pool(job.count, job.concurrency, async () => {
        const t0 = performance.now();
        const added = await queue.add("noop", { workMs: 0 });
        await completions.wait(added.id!);
        latencies.push(performance.now() - t0);
      });
    } else {
      const batches = Math.ceil(job.count / job.batchSize);
      await pool(batches, job.batchesInFlight, async (b) => {
        const size = Math.min(job.batchSize, job.count - b * job.batchSize);
        const t0 = performance.now();
        const added = await queue.addBulk(Array.from({ length: size }, () => ({ name: "noop", data: { workMs: 0 } })));
        await Promise.all(added.map(async (a) => {
          await completions.wait(a.id!);
          latencies.push(performance.now() - t0);
        }));
      });
    }
    const durationMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuAtStart);
    return { durationMs, cpuSeconds: (cpu.user + cpu.system) / 1e6, latencies, failed, notExactlyOneTerminal: 0 };
  } finally {
    await events.close();
    await queue.close();
  }
}
