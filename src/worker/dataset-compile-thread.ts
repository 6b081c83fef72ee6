// A worker thread that compiles one dataset's raw text, read from the Object Store: parses chunks
// as they arrive (answering each, which is the read's flow control) and at the end builds and
// encodes the CSR form. Its memory grows with the rows, which is why it runs on a worker (sized
// for it, see docs/operations.md) and not on the gateway. Keeps CPU off the worker's event loop.
import { parentPort, workerData } from "node:worker_threads";
import { CsvParser, DatasetBuilder, DatasetFormatError, DatasetLimitError, datasetStats, encodeDataset, type DatasetStats } from "../engine/index.js";

export type CompilerRequest = { type: "chunk"; data: Uint8Array } | { type: "end" };

export type CompilerReply =
  | { type: "ack" }
  | { type: "done"; compiled: Uint8Array; stats: DatasetStats }
  | { type: "format-error"; message: string }
  | { type: "limit-error"; message: string };

if (parentPort) {
  const port = parentPort;
  const { maxRows } = workerData as { maxRows: number };
  const parser = new CsvParser({ maxRows });
  const builder = new DatasetBuilder();
  const add = builder.add.bind(builder);
  port.on("message", (msg: CompilerRequest) => {
    let reply: CompilerReply;
    try {
      if (msg.type === "chunk") {
        parser.push(msg.data, add);
        reply = { type: "ack" };
      } else {
        parser.end(add);
        if (parser.rows === 0) throw new DatasetFormatError(1, "the dataset has no data rows");
        const dataset = builder.build();
        const compiled = encodeDataset(dataset);
        port.postMessage({ type: "done", compiled, stats: datasetStats(dataset) } satisfies CompilerReply, [compiled.buffer as ArrayBuffer]);
        return;
      }
    } catch (err) {
      if (err instanceof DatasetFormatError) reply = { type: "format-error", message: err.message };
      else if (err instanceof DatasetLimitError) reply = { type: "limit-error", message: err.message };
      else throw err;
    }
    port.postMessage(reply);
  });
}
