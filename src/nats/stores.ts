// The buckets a gateway and a worker open at start-up: datasets, models and model aliases. Like the
// streams, they are created (replicated) by whichever process comes first, so opening them waits
// out a cluster that is still settling.
import type { Logger } from "../log.js";
import { openDatasetCatalog, openModelCatalog, type DatasetCatalog, type ModelCatalog } from "./catalog.js";
import { untilJetStreamAnswers, type Broker } from "./connection.js";
import { ModelAliases } from "./model-aliases.js";

export interface Stores {
  datasets: DatasetCatalog;
  models: ModelCatalog;
  aliases: ModelAliases;
}

export function openStores(broker: Broker, replicas: number, log: Logger): Promise<Stores> {
  return untilJetStreamAnswers("opening buckets", async () => ({
    datasets: await openDatasetCatalog(broker, replicas),
    models: await openModelCatalog(broker, replicas),
    aliases: await ModelAliases.open(broker, replicas),
  }), log);
}
