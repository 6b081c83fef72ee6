// Stream and consumer configuration in one place, created or updated idempotently at start-up by
// whichever process needs them (gateway and workers both call ensureTopology).
import {
  AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, nanos,
  type ConsumerConfig, type JetStreamManager, type StreamConfig,
} from "nats";
import type { Logger } from "../log.js";
import {
  DLQ_STREAM, DLQ_SUBJECTS, EVENTS_STREAM, EVENTS_SUBJECTS, TASKS_STREAM, TASKS_SUBJECTS, WORKERS_CONSUMER,
} from "./subjects.js";
import { isApiError } from "./nats-errors.js";
import { untilJetStreamAnswers } from "./connection.js";

export interface TopologyOptions {
  streamReplicas: number;
  ackWaitMs: number;
  maxDeliver: number;
  maxAckPending: number;
  duplicateWindowMs: number;
  resultRetentionMs: number;
  maxEventBytes: number;
  maxSpecBytes: number;
}

const DLQ_RETENTION_MS = 30 * 24 * 3600_000;

export function streamConfigs(o: TopologyOptions): Partial<StreamConfig>[] {
  return [
    {
      name: TASKS_STREAM,
      description: "recflow task queue: one message per task until a worker acks its terminal event",
      subjects: [TASKS_SUBJECTS],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: o.streamReplicas,
      duplicate_window: nanos(o.duplicateWindowMs),
      max_msg_size: o.maxSpecBytes + 4096,
      discard: DiscardPolicy.New,
    },
    {
      name: EVENTS_STREAM,
      description: "recflow task event log: the source of truth for task state and results",
      subjects: [EVENTS_SUBJECTS],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: o.streamReplicas,
      duplicate_window: nanos(o.duplicateWindowMs),
      max_age: nanos(o.resultRetentionMs),
      max_msg_size: o.maxEventBytes,
      allow_direct: true,
      discard: DiscardPolicy.Old,
    },
    {
      name: DLQ_STREAM,
      description: "recflow dead letters: tasks that failed for good, kept for inspection and replay",
      subjects: [DLQ_SUBJECTS],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: o.streamReplicas,
      duplicate_window: nanos(o.duplicateWindowMs),
      max_age: nanos(DLQ_RETENTION_MS),
      allow_direct: true,
    },
  ];
}

export function workersConsumerConfig(o: TopologyOptions): Partial<ConsumerConfig> {
  return {
    durable_name: WORKERS_CONSUMER,
    description: "recflow compute workers",
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: TASKS_SUBJECTS,
    ack_wait: nanos(o.ackWaitMs),
    max_deliver: o.maxDeliver,
    max_ack_pending: o.maxAckPending,
    max_waiting: 512,
    num_replicas: o.streamReplicas,
  };
}

// JetStream API error code (nats-server errors.json): stream exists with a different config.
const STREAM_NAME_IN_USE = 10058;

/**
 * Creates streams and the workers consumer, or updates them to this config. While the cluster
 * settles (no stream or meta leader yet: 503, timeouts) it waits, as connecting does.
 */
export async function ensureTopology(jsm: JetStreamManager, o: TopologyOptions, log: Logger): Promise<void> {
  await untilJetStreamAnswers("creating streams", () => ensureTopologyOnce(jsm, o, log), log);
}

async function ensureTopologyOnce(jsm: JetStreamManager, o: TopologyOptions, log: Logger): Promise<void> {
  for (const cfg of streamConfigs(o)) {
    const name = cfg.name as string;
    try {
      await jsm.streams.add(cfg);
    } catch (err) {
      if (!isApiError(err, STREAM_NAME_IN_USE)) throw err;
      // Exists with another config (e.g. a new retention): update what can be updated.
      await jsm.streams.update(name, cfg);
      log.info({ stream: name }, "stream config updated");
    }
  }
  const consumer = workersConsumerConfig(o);
  try {
    await jsm.consumers.add(TASKS_STREAM, consumer);
  } catch (err) {
    // Exists with another config (the error code differs across server versions, so rather than
    // classify it we try the update and report the original error if that fails too).
    await jsm.consumers.update(TASKS_STREAM, WORKERS_CONSUMER, {
      ack_wait: consumer.ack_wait, max_deliver: consumer.max_deliver, max_ack_pending: consumer.max_ack_pending,
      max_waiting: consumer.max_waiting, description: consumer.description,
    }).catch(() => { throw err; });
    log.info({ consumer: WORKERS_CONSUMER }, "consumer config updated");
  }
}
