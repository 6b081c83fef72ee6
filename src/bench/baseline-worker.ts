// The consumer side of the bare JetStream baseline: a pull consumer that acks each task and sends
// a core-NATS completion notice (no events, no gRPC, no threads). The stream BENCH and its
// consumer "workers" are created by the bench. Prints {"ready":…} once it is pulling.
import { connect } from "nats";

const nc = await connect({ servers: process.argv[2] ?? "nats://127.0.0.1:4222" });
const consumer = await nc.jetstream().consumers.get("BENCH", "workers");
const messages = await consumer.consume({ max_messages: 256 });
process.stdout.write(`${JSON.stringify({ ready: "baseline-worker", pid: process.pid })}\n`);
process.once("SIGTERM", () => void nc.close().then(() => process.exit(0)));
for await (const m of messages) {
  m.ack();
  nc.publish("bench.done", m.headers?.get("Nats-Msg-Id") ?? "");
}
