// WatchTask's event source: one task's events after a sequence, history then live, ending after
// the terminal event.
//
// "History, then live" without loss or duplicates at the hand-over: the watch taps the live feed
// first (buffering), then replays the stored history, then drains the tap, dropping anything at or
// below the last sequence it sent. Because the tap exists before the history read starts, every
// event is either in the history read or in the tap (or both). History comes from the feed's
// recent-events cache where it can, else from the stream with direct gets. A watcher that does not
// keep up overflows its tap, which drops its buffer; the watch then replays again: events are
// durable, so a slow client costs reads, never unbounded gateway memory.
//
// Events from the feed (cache and tap) are passed on as they are (FeedEvent, sent as its wire
// bytes), checked once per event, not decoded per watcher; those read from the stream come
// decoded and go as objects.
import type { Logger } from "../log.js";
import type { StoredEvent } from "../api/task-model.js";
import { isTerminalEvent } from "../api/task-model.js";
import { NotFoundError } from "../errors.js";
import { FeedEvent, IDLE, OVERFLOW, RESYNC_IDLE_MS, type EventFeed, type EventLog } from "../nats/index.js";

export interface TaskWatchDeps {
  feed: EventFeed;
  events: EventLog;
  log: Logger;
}

/** How one history read of a watch goes (see history). */
interface HistoryPass {
  /** The task's latest sequence when the tap was in place: the stream read stops there. */
  until?: number;
  /** Skip the cache (it is fed by the live feed, which may be what stalled). */
  storeOnly?: boolean;
}

/**
 * The task's events after `afterSeq`: history first, then live, ending after the terminal event
 * or when `signal` aborts. NOT_FOUND when the task has no events.
 */
export async function* watchTask(deps: TaskWatchDeps, tenant: string, taskId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<StoredEvent | FeedEvent> {
  const { feed, events, log } = deps;
  const { tap, close } = feed.tapTask(tenant, taskId, () => log.debug({ taskId }, "slow watcher overflowed its buffer; replaying"));
  try {
    let tail: { sequence: number; terminal: boolean };
    let pass: HistoryPass = {};
    const cachedTail = feed.cachedTail(tenant, taskId);
    if (cachedTail && feed.fresh) {
      // The task's whole history is in memory and the feed is flowing: anything later reaches
      // the tap. (A feed that went quiet may be stalled; then the stream is asked.)
      tail = cachedTail;
    } else {
      // The task's latest event, read once the tap is in place: it says the task exists and how
      // far the stored history goes (anything after it reaches the tap). From the stream leader:
      // a replica that is behind would end the history early, and the events between its last
      // one and the tap's first would never be sent (the nemesis run's resumed watches).
      const stored = await events.last(tenant, taskId, "leader");
      if (!stored) throw new NotFoundError(`task ${taskId} not found`);
      tail = { sequence: stored.sequence, terminal: isTerminalEvent(stored) };
      pass = { until: stored.sequence }; // later passes read to the end
    }
    if (tail.sequence <= afterSeq && tail.terminal) return; // resumed after the end
    let last = afterSeq;
    for (;;) {
      const resync = pass.storeOnly === true;
      for await (const ev of history(deps, tenant, taskId, last, signal, pass)) {
        if (resync) feed.sawInStream(ev.sequence);
        last = ev.sequence;
        yield ev;
        if (ev instanceof FeedEvent ? ev.terminal : isTerminalEvent(ev)) return;
      }
      pass = {};
      for (;;) {
        const batch = await tap.take(signal, RESYNC_IDLE_MS);
        if (batch === null) return;
        if (batch === IDLE) {
          // Nothing live for a while: ask the stream itself, not the cache.
          pass = { storeOnly: true };
          break;
        }
        if (batch === OVERFLOW) break; // replay from the last event sent
        for (const fe of batch) {
          if (fe.sequence <= last || !checkLive(deps, fe)) continue;
          last = fe.sequence;
          yield fe;
          if (fe.terminal) return;
        }
      }
    }
  } finally {
    close();
  }
}

/**
 * History after `last`: from the feed's cache when it covers it (checked feed events), else from
 * the stream (decoded). With `until`, the stream read stops there instead of asking for one more
 * event and getting "none": the tap holds anything later.
 */
async function* history(deps: TaskWatchDeps, tenant: string, taskId: string, last: number, signal: AbortSignal, pass: HistoryPass): AsyncGenerator<StoredEvent | FeedEvent> {
  const { feed, events } = deps;
  const { until, storeOnly } = pass;
  if (until !== undefined && until <= last) return;
  if (storeOnly) {
    yield* events.after(tenant, taskId, last, signal);
    return;
  }
  for (;;) {
    const cached = feed.cachedAfter(tenant, taskId, last);
    if (cached) {
      if (cached.length === 0) return;
      for (const fe of cached) {
        checkCached(deps, fe);
        last = fe.sequence;
        yield fe;
      }
      continue; // more may have arrived while the client took those
    }
    // Older than the cache: read the stream until we reach an event the cache holds.
    let read = false;
    for await (const ev of events.after(tenant, taskId, last, signal)) {
      read = true;
      last = ev.sequence;
      yield ev;
      if (feed.cachedAfter(tenant, taskId, last)) break;
      if (until !== undefined && last >= until) return;
    }
    if (!read || !feed.cachedAfter(tenant, taskId, last)) return;
  }
}

/**
 * Throws unless a cached event decodes. One that does not is in the stream as it is in the cache:
 * the watch fails there rather than skip it, and the task's run is dropped so other watches read
 * the stream.
 */
function checkCached(deps: TaskWatchDeps, fe: FeedEvent): void {
  try {
    fe.check();
  } catch (err) {
    deps.feed.forget(fe.tenant, fe.taskId);
    throw err;
  }
}

/** Whether a live event decodes; one that does not is skipped and logged, as the feed always has. */
function checkLive(deps: TaskWatchDeps, fe: FeedEvent): boolean {
  try {
    fe.check();
    return true;
  } catch (err) {
    deps.feed.forget(fe.tenant, fe.taskId);
    deps.log.error({ err, taskId: fe.taskId, seq: fe.sequence }, "undecodable task event skipped");
    return false;
  }
}
