// The worker side of the bench's BullMQ peer: one BullMQ Worker with a no-op processor (the
// BullMQ counterpart of Probe{work_ms: 0}). Args: redis port, queue name, concurrency. Prints
// {"ready":…} once it is connected and fetching.
import { Worker } from "bullmq";

const [port, queue, concurrency] = [Number(process.argv[2]), process.argv[3] ?? "bench", Number(process.argv[4] ?? 16)];
const worker = new Worker(queue, () => Promise.resolve({ ok: true }), {
  connection: { host: "127.0.0.1", port, maxRetriesPerRequest: null },
  concurrency,
});
await worker.waitUntilReady();
process.stdout.write(`${JSON.stringify({ ready: "bullmq-worker", pid: process.pid })}\n`);
process.once("SIGTERM", () => void worker.close().then(() => process.exit(0)));
