// The Dead letters page's actions. The gateway has no gRPC API for the DLQ, so the dashboard uses
// the code path of `recflow dlq` (NATS directly, with the servers' NATS_* settings), and scopes
// every action to the session's tenant itself: a letter of another tenant is "not found".
import type { RecflowConfig } from "../config.js";
import type { Logger } from "../log.js";
import { Broker, EventLog, TaskQueue, listDeadLetters, removeDeadLetter, replayDeadLetter, tenantLastSeq, type StoredDeadLetter } from "../nats/index.js";

export class DeadLetterDesk {
  readonly broker: Broker;
  readonly #queue: TaskQueue;
  readonly #events: EventLog;

  private constructor(broker: Broker, config: RecflowConfig, log: Logger) {
    this.broker = broker;
    this.#queue = new TaskQueue(broker, log);
    this.#events = new EventLog(broker, config);
  }

  static async open(config: RecflowConfig, log: Logger): Promise<DeadLetterDesk> {
    const broker = await Broker.connect({ servers: config.natsServers, name: "recflow-ui", publishTimeoutMs: config.publishTimeoutMs, security: config }, log);
    return new DeadLetterDesk(broker, config, log);
  }

  list(tenant: string, afterSeq: number, limit: number): Promise<StoredDeadLetter[]> {
    return listDeadLetters(this.broker, { tenant, afterSeq, limit });
  }

  /** The tenant's dead letter at `seq`, or undefined. */
  async get(tenant: string, seq: number): Promise<StoredDeadLetter | undefined> {
    const [d] = await listDeadLetters(this.broker, { tenant, afterSeq: seq - 1, limit: 1 });
    return d?.seq === seq ? d : undefined;
  }

  async replay(tenant: string, seq: number): Promise<{ taskId: string } | undefined> {
    const d = await this.get(tenant, seq);
    if (!d) return undefined;
    return replayDeadLetter({ broker: this.broker, queue: this.#queue, events: this.#events }, d);
  }

  async remove(tenant: string, seq: number): Promise<boolean> {
    if (!(await this.get(tenant, seq))) return false;
    return removeDeadLetter(this.broker, seq);
  }

  /** Where the tenant's event stream stands now: the live task list starts after it. */
  lastEventSequence(tenant: string): Promise<number> {
    return tenantLastSeq(this.broker, tenant);
  }

  async close(): Promise<void> {
    await this.broker.close();
  }
}
