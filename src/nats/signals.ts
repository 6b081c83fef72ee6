// Core-NATS signals between processes: the live cancel signal to whichever worker runs a task,
// and the JetStream MAX_DELIVERIES advisory for task messages no worker could finish.
import type { Subscription } from "nats";
import type { Broker } from "./connection.js";
import type { Logger } from "../log.js";
import { CANCEL_SUBJECTS, MAX_DELIVERIES_ADVISORY, cancelSubject, parseTaskSubject } from "./subjects.js";

export function publishCancel(broker: Broker, tenant: string, taskId: string): void {
  broker.nc.publish(cancelSubject(tenant, taskId));
}

/** Calls `onCancel` for every cancel signal; one subscription per worker process. */
export function onCancelSignal(broker: Broker, onCancel: (tenant: string, taskId: string) => void): Subscription {
  return broker.nc.subscribe(CANCEL_SUBJECTS, {
    callback: (err, msg) => {
      if (err) return;
      const parsed = parseTaskSubject(msg.subject);
      if (parsed) onCancel(parsed.tenant, parsed.taskId);
    },
  });
}

export interface MaxDeliveriesAdvisory {
  streamSeq: number;
  deliveries: number;
}

/**
 * Calls `handler` for each MAX_DELIVERIES advisory of the workers consumer. The subscription is
 * in a queue group, so one worker of the fleet handles each advisory.
 */
export function onMaxDeliveries(broker: Broker, log: Logger, handler: (a: MaxDeliveriesAdvisory) => Promise<void>): Subscription {
  return broker.nc.subscribe(MAX_DELIVERIES_ADVISORY, {
    queue: "recflow-dead-letters",
    callback: (err, msg) => {
      if (err) return;
      let a: MaxDeliveriesAdvisory;
      try {
        const raw = msg.json<{ stream_seq: number; deliveries: number }>();
        a = { streamSeq: raw.stream_seq, deliveries: raw.deliveries };
      } catch (e) {
        log.warn({ err: e }, "unreadable MAX_DELIVERIES advisory ignored");
        return;
      }
      handler(a).catch((e: unknown) => log.error({ err: e, streamSeq: a.streamSeq }, "dead-lettering failed; the message stays in RECFLOW_TASKS"));
    },
  });
}
