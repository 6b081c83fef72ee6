// One pino logger per process: JSON lines in production, pretty when stderr is a terminal.
// Components take child loggers with { component, taskId, attempt } bindings.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(options: { level: string; name: string; pretty?: boolean }): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY;
  return pino({
    name: options.name,
    level: options.level,
    base: { pid: process.pid },
    transport: pretty ? { target: "pino-pretty", options: { destination: 2, translateTime: "SYS:HH:MM:ss.l" } } : undefined,
  }, pretty ? undefined : pino.destination({ dest: 2, sync: false }));
}
