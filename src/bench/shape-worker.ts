// The worker side of W1's durable-shape floor: recflow's per-task JetStream traffic and nothing
// else (no protobuf, no threads, no timers, no validation). Per work message: a leader-free
// direct get of the task's last event, "Succeeded" appended compare-and-set after it (a short
// job writes no Started of its own: its outcome carries the start), then the ack. Like a recflow worker with one thread and a prefetch of 16, it
// holds at most SLOTS messages at once. Streams and the durable consumer are created by the bench.
// A work message of the grouped floor stands for several tasks (groupMembers): its Succeeded is
// one event carrying every member's result (RESULT_BYTES each). Args: NATS URL. Prints
// {"ready":…} once it is pulling.
import { connect, type Msg } from "nats";
import { JetStreamRequests } from "../nats/jetstream-requests.js";
import { EventKind, groupMembers, groupPayload, RawPull, SHAPE_EVENTS_PREFIX, SHAPE_EVENTS_STREAM, SHAPE_WORK_STREAM, SHAPE_WORKERS_CONSUMER, shapePayload } from "./shape-pull.js";

const SLOTS = 17;
const EVENT_BYTES = 200;
const ACK = new TextEncoder().encode("+ACK");
const NAK = new TextEncoder().encode("-NAK");
/** A member's result in a group's Succeeded (a probe's result, its status and task id). */
const RESULT_BYTES = 64;
const succeeded = shapePayload(EVENT_BYTES, EventKind.Succeeded);
const queued = shapePayload(EVENT_BYTES, EventKind.Queued);

const nc = await connect({ servers: process.argv[2] ?? "nats://127.0.0.1:4222" });
const js = new JetStreamRequests(nc, 10_000);

/** Appends one event after `after` into the slot recflow uses (`<task>:after:<seq>`); returns its sequence. */
async function append(subject: string, id: string, after: number, data: Uint8Array): Promise<number> {
  return (await js.publish(subject, data, { msgId: `${id}:after:${after}`, expectedLastSubjectSeq: after })).seq;
}

/**
 * The task's last event: sequence and kind. The client sends Queued and the work message
 * together, so the work message can be stored first; then the worker writes Queued itself under
 * the client's msgID, as recflow's worker does (the client's copy is dropped as a duplicate).
 */
async function lastEvent(subject: string, id: string): Promise<{ seq: number; kind: number }> {
  try {
    const got = await js.directGet(SHAPE_EVENTS_STREAM, { last_by_subj: subject });
    return { seq: got.seq, kind: got.data[0] };
  } catch (err) {
    if ((err as { code?: string }).code !== "404") throw err;
    const ack = await js.publish(subject, queued, { msgId: `${id}:queued`, expectedLastSubjectSeq: 0 });
    return { seq: ack.seq, kind: EventKind.Queued };
  }
}

/** One task: obey the log (a redelivery may find Succeeded), append it if missing, ack. */
async function handle(m: Msg): Promise<void> {
  const id = m.headers?.get("Nats-Msg-Id") ?? "";
  const subject = `${SHAPE_EVENTS_PREFIX}${id}`;
  const last = await lastEvent(subject, id);
  const members = groupMembers(m.data);
  if (last.kind !== EventKind.Succeeded) await append(subject, id, last.seq, members === 1 ? succeeded : groupPayload(RESULT_BYTES, EventKind.Succeeded, members));
  nc.publish(m.reply ?? "", ACK);
}

let busy = 0;
const pull: RawPull = new RawPull(nc, {
  stream: SHAPE_WORK_STREAM, consumer: SHAPE_WORKERS_CONSUMER, capacity: () => SLOTS - busy, minBatch: 4, expiresMs: 5_000,
  onMessage: (m) => {
    busy++;
    handle(m).catch((err: unknown) => {
      // A conflict or a timeout: hand the message back at once; its next delivery re-reads the log.
      process.stderr.write(`shape task failed: ${err instanceof Error ? err.message : String(err)}\n`);
      nc.publish(m.reply ?? "", NAK);
    }).finally(() => {
      busy--;
      pull.refill();
    });
  },
});
pull.refill();
await nc.flush();
process.stdout.write(`${JSON.stringify({ ready: "shape-worker", pid: process.pid })}\n`);
process.once("SIGTERM", () => void nc.close().then(() => process.exit(0)));
