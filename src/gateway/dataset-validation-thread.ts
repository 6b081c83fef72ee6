// A gateway thread that checks one dataset upload while it streams: every row is parsed and
// checked (fields, ids, weight bounds, row limit), and the dataset's shape is counted in bounded
// memory (DistinctCounter). Nothing is built: the CSR form is compiled by a worker at the
// dataset's first use, so the gateway's memory per upload stays a few MB whatever the size.
import { parentPort, workerData } from "node:worker_threads";
import { CsvParser, DatasetFormatError, DatasetLimitError, DistinctCounter, type DatasetStats, type ParsedRow } from "../engine/index.js";

export type ValidatorRequest = { type: "chunk"; data: Uint8Array } | { type: "end" };

/** The shape as counted at upload; `exact` is false once a count passed the counter's exact limit. */
export type UploadStats = DatasetStats & { exact: boolean };

export type ValidatorReply =
  | { type: "ack" }
  | { type: "done"; stats: UploadStats }
  | { type: "format-error"; message: string }
  | { type: "limit-error"; message: string };

if (parentPort) {
  const port = parentPort;
  const { maxRows } = workerData as { maxRows: number };
  const parser = new CsvParser({ maxRows });
  const users = new DistinctCounter();
  const items = new DistinctCounter();
  const pairs = new DistinctCounter();
  const count = (row: ParsedRow): void => {
    users.add(row.user);
    items.add(row.item);
    // Length-prefixed, so ("ab","c") and ("a","bc") stay different pairs.
    pairs.add(`${row.user.length}:${row.user}${row.item}`);
  };
  port.on("message", (msg: ValidatorRequest) => {
    let reply: ValidatorReply;
    try {
      if (msg.type === "chunk") {
        parser.push(msg.data, count);
        reply = { type: "ack" };
      } else {
        parser.end(count);
        if (parser.rows === 0) throw new DatasetFormatError(1, "the dataset has no data rows");
        const u = users.count();
        const i = items.count();
        const n = pairs.count();
        reply = {
          type: "done",
          stats: {
            users: u, items: i, interactions: n, rows: parser.rows, density: u && i ? n / (u * i) : 0,
            hasTimestamps: parser.hasTimestamps, exact: users.exact && items.exact && pairs.exact,
          },
        };
      }
    } catch (err) {
      if (err instanceof DatasetFormatError) reply = { type: "format-error", message: err.message };
      else if (err instanceof DatasetLimitError) reply = { type: "limit-error", message: err.message };
      else throw err;
    }
    port.postMessage(reply);
  });
}
