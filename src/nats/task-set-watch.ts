// WatchTasks' event source: the events of a set of one tenant's tasks (listed ids, or every task
// whose labels match), in RECFLOW_EVENTS order, history then live, on one stream.
//
// Order is the stream's, across tasks, so a client resumes with after_sequence = the last sequence
// it received and misses nothing. The hand-over is the one WatchTask uses: a tenant tap is in
// place before the history read starts, the history is read up to the tenant's latest event at that
// moment, and the tap holds anything later (duplicates are dropped by sequence). The history is
// read through a StreamReader (stream-reader.ts): its own consumer filtered to the tenant's
// subjects (flow-controlled, so a long history is read at the client's pace), not a direct get per
// event; when the node holding that consumer dies it is re-created from the next unseen sequence
// within seconds, by direct gets meanwhile (nats.js's ordered consumer stalled the stream 15-45 s).
// A slow client overflows its tap: the buffer is dropped and the stream re-read from the last
// sequence sent, so it costs reads, never memory.
// Events are checked only once selected (FeedEvent), and sent as their wire bytes: a watch of
// listed ids skips the others' events by their subject, and only a Queued event is decoded (a
// selector matches its labels).
import type { Logger } from "../log.js";
import { isTerminalEvent } from "../api/task-model.js";
import { NotFoundError, UnavailableError } from "../errors.js";
import type { Broker } from "./connection.js";
import type { EventLog } from "./event-log.js";
import { IDLE, OVERFLOW, RESYNC_IDLE_MS, type EventFeed } from "./event-feed.js";
import { FeedEvent } from "./feed-event.js";
import { isNotFound, isTransient } from "./nats-errors.js";
import { StreamReader } from "./stream-reader.js";
import { EVENTS_STREAM, eventSubject } from "./subjects.js";

/** Live events one WatchTasks call buffers before it falls back to re-reading the stream. */
const MAX_BUFFERED = 4096;
/** Messages the history read holds ahead of the client. */
const HISTORY_BATCH = 256;
/** Direct gets in flight when a watch of listed ids reads where each task stands. */
const LOOKUP_CONCURRENCY = 64;

/** Which tasks a WatchTasks call follows. */
export type TaskSet =
  | { ids: ReadonlySet<string> }
  | { matches: (labels: Record<string, string>) => boolean };

export interface TaskSetWatchDeps {
  broker: Broker;
  events: EventLog;
  feed: EventFeed;
  log: Logger;
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Sequence of the tenant's latest event, 0 when it has none. */
export async function tenantLastSeq(broker: Broker, tenant: string): Promise<number> {
  try {
    const m = await broker.jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: eventSubject(tenant, "*") });
    return m.seq;
  } catch (err) {
    if (isNotFound(err)) return 0;
    if (isTransient(err)) throw UnavailableError.from(err);
    throw err;
  }
}

/**
 * The tenant's events with a sequence in (after, until], in stream order, not decoded yet; ends
 * early only when `signal` aborts.
 */
async function* readTenant(deps: TaskSetWatchDeps, tenant: string, after: number, until: number, signal: AbortSignal): AsyncGenerator<FeedEvent> {
  if (until <= after) return;
  const reader = new StreamReader(deps.broker, deps.log, {
    stream: EVENTS_STREAM,
    filter: eventSubject(tenant, "*"),
    from: after + 1,
    namePrefix: "watch-tasks",
    batch: HISTORY_BATCH,
    what: "WatchTasks history read",
  });
  for await (const m of reader.read(signal)) {
    let ev: FeedEvent | undefined;
    try {
      ev = new FeedEvent(tenant, m.subject.slice(m.subject.lastIndexOf(".") + 1), m.seq, m.data); // read at once, not kept: no copy
    } catch (err) {
      deps.log.error({ err, subject: m.subject, seq: m.seq }, "undecodable task event skipped");
    }
    if (ev) yield ev;
    if (m.seq >= until) return;
  }
}

/**
 * For listed ids: checks that every task exists (NOT_FOUND names the first that does not) and
 * returns the ids still to finish after `afterSeq`, plus where the history read starts.
 */
async function standing(deps: TaskSetWatchDeps, tenant: string, ids: ReadonlySet<string>, afterSeq: number): Promise<{ open: Set<string>; start: number }> {
  const open = new Set(ids);
  const missing: string[] = [];
  let start = Number.POSITIVE_INFINITY;
  await eachLimited([...ids], LOOKUP_CONCURRENCY, async (id) => {
    if (afterSeq === 0) {
      // From the start: the history read begins at the oldest listed task's first event.
      const first = await deps.events.first(tenant, id);
      if (!first) missing.push(id);
      else start = Math.min(start, first.sequence - 1);
    } else {
      // Resumed: a task that ended at or before after_sequence sends nothing more.
      const last = await deps.events.last(tenant, id);
      if (!last) missing.push(id);
      else if (last.sequence <= afterSeq && isTerminalEvent(last)) open.delete(id);
    }
  });
  if (missing.length > 0) throw new NotFoundError(`task ${missing.sort()[0]} not found${missing.length > 1 ? ` (and ${missing.length - 1} more listed ids)` : ""}`);
  return { open, start: afterSeq === 0 ? start : afterSeq };
}

/**
 * The events of the tenant's tasks in `set` after `afterSeq`, in stream order: history, then
 * live. With listed ids it ends after the last of them finishes; with a selector it runs until
 * `signal` aborts.
 */
export async function* watchTaskSet(deps: TaskSetWatchDeps, tenant: string, set: TaskSet, afterSeq: number, signal: AbortSignal): AsyncGenerator<FeedEvent> {
  const { feed } = deps;
  const { tap, close } = feed.tapTenant(tenant, MAX_BUFFERED);
  try {
    let open: Set<string> | undefined;
    let last = afterSeq;
    if ("ids" in set) {
      const s = await standing(deps, tenant, set.ids, afterSeq);
      if (s.open.size === 0) return;
      open = s.open;
      last = s.start;
    }
    /** Whether the watch selects the event (an undecodable one is skipped and logged). */
    const selected = async (fe: FeedEvent): Promise<boolean> => {
      if ("ids" in set && !set.ids.has(fe.taskId)) return false;
      let queuedLabels: Record<string, string> | undefined;
      try {
        // A Queued event is decoded whole (a selector needs its labels); others are only checked.
        if (fe.first && !("ids" in set)) queuedLabels = fe.decode().queued?.spec?.labels ?? {};
        else fe.check();
      } catch (err) {
        deps.log.error({ err, taskId: fe.taskId, seq: fe.sequence }, "undecodable task event skipped");
        return false;
      }
      if ("ids" in set) return true;
      if (queuedLabels) {
        feed.rememberLabels(tenant, fe.taskId, queuedLabels);
        return set.matches(queuedLabels);
      }
      const labels = await feed.labelsOf(tenant, fe.taskId);
      return labels !== null && set.matches(labels);
    };
    /** Whether the watch is complete after sending `fe` (every listed task finished). */
    const finished = (fe: FeedEvent): boolean => {
      if (!open || !fe.terminal) return false;
      open.delete(fe.taskId);
      return open.size === 0;
    };
    for (;;) {
      const until = await tenantLastSeq(deps.broker, tenant);
      for await (const fe of readTenant(deps, tenant, last, until, signal)) {
        last = fe.sequence;
        if (!(await selected(fe))) continue;
        yield fe;
        if (finished(fe)) return;
      }
      for (;;) {
        const batch = await tap.take(signal, RESYNC_IDLE_MS);
        if (batch === null) return;
        // Quiet for a while (the live feed may have stalled) or overflowed: read the stream again.
        if (batch === IDLE || batch === OVERFLOW) break;
        for (const fe of batch) {
          if (fe.sequence <= last) continue;
          last = fe.sequence;
          if (!(await selected(fe))) continue;
          yield fe;
          if (finished(fe)) return;
        }
      }
    }
  } finally {
    close();
  }
}
