// The message loop of a thread that parses one dataset's CSV/TSV text as it streams in: the
// gateway's upload validator (gateway/dataset-validation-thread.ts) and the worker's compiler
// (worker/dataset-compile-thread.ts). Each chunk is parsed and answered `ack` (the sender's flow
// control: it sends the next chunk only then); `end` finishes the parse, refuses a dataset with no
// data rows, and answers what the caller's `finish` builds. Bad rows and limits are answered as
// `format-error` / `limit-error`; anything else is a bug and crashes the thread. The two threads
// differ only in what they do with each row and at the end.
import type { MessagePort, Transferable } from "node:worker_threads";
import { CsvParser, DatasetFormatError, DatasetLimitError, type ParsedRow } from "./engine/index.js";

export type CsvThreadRequest = { type: "chunk"; data: Uint8Array } | { type: "end" };

export type CsvThreadReply<Done extends { type: "done" }> =
  | { type: "ack" }
  | Done
  | { type: "format-error"; message: string }
  | { type: "limit-error"; message: string };

export interface CsvThreadOptions<Done extends { type: "done" }> {
  /** Rows beyond this are a limit-error. */
  maxRows: number;
  onRow: (row: ParsedRow) => void;
  /** The `done` reply once every row has been parsed, and the buffers to transfer with it. */
  finish: (parser: CsvParser) => { reply: Done; transfer?: readonly Transferable[] };
}

/** Answers `port`'s chunk/end requests until the thread is terminated. */
export function serveCsvThread<Done extends { type: "done" }>(port: MessagePort, opts: CsvThreadOptions<Done>): void {
  const parser = new CsvParser({ maxRows: opts.maxRows });
  port.on("message", (msg: CsvThreadRequest) => {
    let reply: CsvThreadReply<Done>;
    let transfer: readonly Transferable[] = [];
    try {
      if (msg.type === "chunk") {
        parser.push(msg.data, opts.onRow);
        reply = { type: "ack" };
      } else {
        parser.end(opts.onRow);
        if (parser.rows === 0) throw new DatasetFormatError(1, "the dataset has no data rows");
        ({ reply, transfer = [] } = opts.finish(parser));
      }
    } catch (err) {
      if (err instanceof DatasetFormatError) reply = { type: "format-error", message: err.message };
      else if (err instanceof DatasetLimitError) reply = { type: "limit-error", message: err.message };
      else throw err;
    }
    port.postMessage(reply, transfer);
  });
}
