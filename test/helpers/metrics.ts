// Reading a real gateway's or worker's Prometheus /metrics in tests.

/** One GET of the process's metrics (or another path on its metrics port). */
export async function scrape(port: unknown, path = "/metrics"): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${Number(port)}${path}`);
  return { status: res.status, body: await res.text() };
}

/**
 * The sample of `name` whose labels include `labels`, or undefined when the scrape has none: a
 * missing series must never read as 0, or a `toBe(0)` passes when the metric disappears.
 */
export function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[3]);
  }
  return undefined;
}

/** The sample of `name` with `labels` in one scrape of the process at `port`; undefined when it has none. */
export async function metricValue(port: unknown, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  return sample((await scrape(port)).body, name, labels);
}
