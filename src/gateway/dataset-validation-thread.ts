// A gateway thread that checks one dataset upload while it streams: every row is parsed and
// checked (fields, ids, weight bounds, row limit), and the dataset's shape is counted in bounded
// memory (DistinctCounter). Nothing is built: the CSR form is compiled by a worker at the
// dataset's first use, so the gateway's memory per upload stays a few MB whatever the size.
import { parentPort, workerData } from "node:worker_threads";
import { serveCsvThread, type CsvThreadReply, type CsvThreadRequest } from "../csv-thread.js";
import { DistinctCounter, type DatasetStats, type ParsedRow } from "../engine/index.js";

export type ValidatorRequest = CsvThreadRequest;

/** The shape as counted at upload; `exact` is false once a count passed the counter's exact limit. */
export type UploadStats = DatasetStats & { exact: boolean };

export type ValidatorReply = CsvThreadReply<{ type: "done"; stats: UploadStats }>;

if (parentPort) {
  const { maxRows } = workerData as { maxRows: number };
  const users = new DistinctCounter();
  const items = new DistinctCounter();
  const pairs = new DistinctCounter();
  serveCsvThread(parentPort, {
    maxRows,
    onRow: (row: ParsedRow) => {
      users.add(row.user);
      items.add(row.item);
      // Length-prefixed, so ("ab","c") and ("a","bc") stay different pairs.
      pairs.add(`${row.user.length}:${row.user}${row.item}`);
    },
    finish: (parser) => {
      const u = users.count();
      const i = items.count();
      const n = pairs.count();
      const stats: UploadStats = {
        users: u, items: i, interactions: n, rows: parser.rows, density: u && i ? n / (u * i) : 0,
        hasTimestamps: parser.hasTimestamps, exact: users.exact && items.exact && pairs.exact,
      };
      return { reply: { type: "done", stats } };
    },
  });
}
