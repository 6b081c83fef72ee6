// One pino logger per process: JSON lines in production, pretty when stderr is a terminal and
// pino-pretty is installed. Components take child loggers with { component, taskId, attempt } bindings.
import { createRequire } from "node:module";
import { pino, type Logger } from "pino";

export type { Logger };

/**
 * pino-pretty is a dev dependency: the image has none, and `docker run -it` gives a terminal, so
 * asking pino for it there ended every such container with "unable to determine transport target".
 */
function prettyInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve("pino-pretty");
    return true;
  } catch {
    return false;
  }
}

export function createLogger(options: { level: string; name: string; pretty?: boolean }): Logger {
  const pretty = options.pretty ?? (process.stderr.isTTY && prettyInstalled());
  return pino({
    name: options.name,
    level: options.level,
    base: { pid: process.pid },
    transport: pretty ? { target: "pino-pretty", options: { destination: 2, translateTime: "SYS:HH:MM:ss.l" } } : undefined,
  }, pretty ? undefined : pino.destination({ dest: 2, sync: false }));
}
