// Rows → the CSV text UploadDataset takes (`user,item[,weight[,timestamp]]` with a header), in
// chunks of about 64 KiB, so an iterable of any size is streamed without being held whole.

/** One interaction: a tuple `[user, item, weight?, timestamp?]` or an object. */
export type DatasetRow =
  | readonly [user: string, item: string, weight?: number, timestamp?: number | string]
  | { user: string; item: string; weight?: number; timestamp?: number | string };

const CHUNK_BYTES = 64 * 1024;

// RFC 4180 quoting, which the gateway's parser reads: ids may hold commas and quotes. Not line
// breaks: the parser splits lines before it reads quotes.
function field(v: string | number): string {
  const s = String(v);
  if (/[\r\n]/.test(s)) throw new RangeError(`recflow: dataset row field ${JSON.stringify(s.slice(0, 40))} holds a line break, which a dataset id cannot`);
  return /[",\t]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function toFields(row: DatasetRow): (string | number)[] {
  const r = isTuple(row) ? { user: row[0], item: row[1], weight: row[2], timestamp: row[3] } : row;
  const fields: (string | number)[] = [r.user, r.item];
  if (r.weight !== undefined || r.timestamp !== undefined) fields.push(r.weight ?? 1);
  if (r.timestamp !== undefined) fields.push(r.timestamp);
  return fields;
}

function isTuple(row: DatasetRow): row is readonly [string, string, number?, (number | string)?] {
  return Array.isArray(row);
}

export async function* rowChunks(rows: Iterable<DatasetRow> | AsyncIterable<DatasetRow>): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  let text = "user,item,weight,timestamp\n";
  for await (const row of rows) {
    text += toFields(row).map(field).join(",") + "\n";
    if (text.length >= CHUNK_BYTES) {
      yield enc.encode(text);
      text = "";
    }
  }
  if (text.length > 0) yield enc.encode(text);
}
