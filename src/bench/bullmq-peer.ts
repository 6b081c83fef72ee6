// The bench's same-run peer: BullMQ on a throw-away redis-server, two worker processes
// (bullmq-worker.ts) like recflow's two workers, driven by the same client process shapes
// (bullmq-client.ts). Started and stopped inside one workload, so both peers share the hour.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { spawnRecflow, stopProc, type Proc } from "../cli/processes.js";
import { cpuSecondsOf } from "./common.js";
import { LocalRedisServer } from "./redis-server.js";

const WORKER_ENTRY = fileURLToPath(new URL("./bullmq-worker.js", import.meta.url));

export interface BullmqPeer {
  redisPort: number;
  queue: string;
  /** CPU seconds used so far by redis-server and by both workers together. */
  cpuSeconds(): { redis: number; workers: number };
}

/**
 * Runs `fn` against a fresh redis-server and `workers` BullMQ workers with `concurrency` jobs each
 * (the counterpart of recflow's one thread plus a prefetch of 16).
 */
export async function withBullmq<T>(opts: { workers: number; concurrency: number }, fn: (peer: BullmqPeer) => Promise<T>): Promise<T> {
  const redis = await LocalRedisServer.start();
  const queue = `bench-${randomUUID()}`;
  const procs: Proc[] = [];
  try {
    for (let i = 1; i <= opts.workers; i++) {
      procs.push(await spawnRecflow(`bullmq-w${i}`, [String(redis.port), queue, String(opts.concurrency)], { env: process.env, entry: WORKER_ENTRY }));
    }
    return await fn({
      redisPort: redis.port,
      queue,
      cpuSeconds: () => ({
        redis: cpuSecondsOf(Number(redis.pid)),
        workers: procs.reduce((a, p) => a + cpuSecondsOf(Number(p.child.pid)), 0),
      }),
    });
  } finally {
    await Promise.all(procs.map((p) => stopProc(p, "SIGKILL")));
    await redis.stop();
  }
}

