// Queue depth over the last minutes for the Workers page: samples the gateway's Prometheus
// endpoint (the same gauges Prometheus scrapes, so the page and Grafana never disagree) into a
// fixed-size ring buffer. One sampler per dashboard server, whoever is looking.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../log.js";

/** The gauges the page charts, by Prometheus name. */
const GAUGES = {
  pending: "recflow_queue_pending_tasks",
  ackPending: "recflow_queue_ack_pending_tasks",
  waitingPulls: "recflow_queue_waiting_pulls",
  deadLetters: "recflow_dlq_tasks",
} as const;

export type QueueSample = { timeMs: number } & Record<keyof typeof GAUGES, number>;

/** Values of unlabelled samples in Prometheus text exposition format, by metric name. */
export function parseGauges(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

export class RingBuffer<T> {
  readonly #items: T[] = [];
  #next = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  push(item: T): void {
    if (this.#items.length < this.capacity) this.#items.push(item);
    else this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.#items.length < this.capacity ? [...this.#items] : [...this.#items.slice(this.#next), ...this.#items.slice(0, this.#next)];
  }
}

export interface QueueSamplerOptions {
  metricsUrl: string;
  intervalMs: number;
  capacity: number;
  log: Logger;
}

export class QueueSampler {
  readonly samples: RingBuffer<QueueSample>;
  readonly #opts: QueueSamplerOptions;
  #lastError = "";

  constructor(opts: QueueSamplerOptions) {
    this.#opts = opts;
    this.samples = new RingBuffer(opts.capacity);
  }

  get lastError(): string {
    return this.#lastError;
  }

  async sampleOnce(signal: AbortSignal): Promise<void> {
    const res = await fetch(this.#opts.metricsUrl, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.#opts.intervalMs)]) });
    if (!res.ok) throw new Error(`${this.#opts.metricsUrl}: HTTP ${res.status}`);
    const gauges = parseGauges(await res.text());
    const sample = { timeMs: Date.now() } as QueueSample;
    for (const [key, name] of Object.entries(GAUGES) as [keyof typeof GAUGES, string][]) sample[key] = gauges.get(name) ?? 0;
    this.samples.push(sample);
  }

  /** Samples until `signal` aborts; a failed scrape is logged once per distinct error and skipped. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.sampleOnce(signal);
        this.#lastError = "";
      } catch (err) {
        if (signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        if (message !== this.#lastError) this.#opts.log.warn({ err, url: this.#opts.metricsUrl }, "metrics scrape failed");
        this.#lastError = message;
      }
      await sleep(this.#opts.intervalMs, undefined, { signal }).catch(() => undefined);
    }
  }
}
