// A worker thread that compiles one dataset's raw text, read from the Object Store: parses chunks
// as they arrive (answering each, which is the read's flow control) and at the end builds and
// encodes the CSR form. Its memory grows with the rows, which is why it runs on a worker (sized
// for it, see docs/operations.md) and not on the gateway. Keeps CPU off the worker's event loop.
import { parentPort, workerData } from "node:worker_threads";
import { serveCsvThread, type CsvThreadReply, type CsvThreadRequest } from "../csv-thread.js";
import { DatasetBuilder, datasetStats, encodeDataset, type DatasetStats } from "../engine/index.js";

export type CompilerRequest = CsvThreadRequest;

export type CompilerReply = CsvThreadReply<{ type: "done"; compiled: Uint8Array; stats: DatasetStats }>;

if (parentPort) {
  const { maxRows } = workerData as { maxRows: number };
  const builder = new DatasetBuilder();
  serveCsvThread(parentPort, {
    maxRows,
    onRow: builder.add.bind(builder),
    finish: () => {
      const dataset = builder.build();
      const compiled = encodeDataset(dataset);
      // Transferred, not copied: the encoded dataset can be hundreds of MB.
      return { reply: { type: "done", compiled, stats: datasetStats(dataset) }, transfer: [compiled.buffer as ArrayBuffer] };
    },
  });
}
