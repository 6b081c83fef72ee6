// `recflow dlq list|replay`: the runbook's tools for tasks that failed for good. They talk to NATS
// directly (an operator's tool, with the same NATS_* credentials as the servers), not to a gateway.
import { compileConfig, type RecflowConfig, type RecflowOptions } from "../config.js";
import { createLogger, type Logger } from "../log.js";
import { Broker, DLQ_STREAM, EventLog, TaskQueue, listDeadLetters, replayDeadLetter, type StoredDeadLetter } from "../nats/index.js";
import { UsageError } from "./output.js";

async function withBroker<T>(options: RecflowOptions, fn: (b: Broker, config: RecflowConfig, log: Logger) => Promise<T>): Promise<T> {
  const config = compileConfig(options);
  const log = createLogger({ name: "recflow-dlq", level: "warn" });
  const broker = await Broker.connect({ servers: config.natsServers, name: "recflow-dlq", publishTimeoutMs: config.publishTimeoutMs, security: config }, log);
  try {
    return await fn(broker, config, log);
  } finally {
    await broker.close();
  }
}

function row(d: StoredDeadLetter): string {
  const t = d.letter.task;
  const when = d.letter.time ? new Date(Number(d.letter.time.seconds) * 1000).toISOString() : "-";
  const kind = t?.spec?.kind ?? "?";
  const err = d.letter.error;
  return [String(d.seq).padStart(6), when, t?.tenant ?? "?", t?.taskId ?? "?", kind, `${err?.reason ?? ""}: ${(err?.message ?? "").slice(0, 80)}`].join("  ");
}

export async function dlqList(options: RecflowOptions & { tenant?: string; limit: number; after: number; json?: boolean }): Promise<number> {
  return withBroker(options, async (broker) => {
    const letters = await listDeadLetters(broker, { tenant: options.tenant, limit: options.limit, afterSeq: options.after });
    if (options.json) {
      for (const d of letters) console.log(JSON.stringify({ seq: d.seq, ...d.letter }));
      return 0;
    }
    if (letters.length === 0) {
      console.log("no dead letters");
      return 0;
    }
    console.log(["   seq", "time".padEnd(24), "tenant", "task", "kind", "error"].join("  "));
    for (const d of letters) console.log(row(d));
    if (letters.length === options.limit) console.log(`… more after --after ${letters[letters.length - 1].seq}`);
    return 0;
  });
}

/**
 * Re-submits dead-lettered tasks as new tasks (the old task stays FAILED: its log is final), with
 * label `replay-of` = the old id and without the old deadline, then removes each dead letter unless
 * `keep`.
 */
export async function dlqReplay(options: RecflowOptions & { seqs: number[]; all?: boolean; tenant?: string; keep?: boolean }): Promise<number> {
  if (!options.all && options.seqs.length === 0) throw new UsageError("name the dead letters to replay by sequence (see `recflow dlq list`), or pass --all");
  return withBroker(options, async (broker, config, log) => {
    const queue = new TaskQueue(broker, log);
    const events = new EventLog(broker, config);
    const wanted = new Set(options.seqs);
    // Only what is there now: replays that fail again add new dead letters, which this run must
    // not pick up (or --all would never end).
    const end = (await broker.jsm.streams.info(DLQ_STREAM)).state.last_seq;
    let replayed = 0;
    let after = 0;
    for (;;) {
      const page = (await listDeadLetters(broker, { tenant: options.tenant, limit: 100, afterSeq: after })).filter((d) => d.seq <= end);
      if (page.length === 0) break;
      after = page[page.length - 1].seq;
      for (const d of page) {
        if (!options.all && !wanted.has(d.seq)) continue;
        wanted.delete(d.seq);
        const replay = await replayDeadLetter({ broker, queue, events }, d, { keep: options.keep });
        if (!replay) {
          console.error(`skipped ${d.seq}: the dead letter has no task to replay`);
          continue;
        }
        console.log(`replayed ${replay.replayOf} as ${replay.taskId} (tenant ${replay.tenant})`);
        replayed++;
      }
      if (!options.all && wanted.size === 0) break;
    }
    for (const seq of wanted) console.error(`no dead letter with sequence ${seq}`);
    console.log(`${replayed} task(s) replayed`);
    return wanted.size > 0 ? 1 : 0;
  });
}
