// The container both binary formats (datasets, models) use: magic, version, a JSON header
// describing named typed sections, then the sections, each 8-byte aligned so a reader can view
// them in place (zero copy, also over a SharedArrayBuffer). The reader checks every length
// against the buffer BEFORE touching memory, so corrupt input gives CorruptDataError, never a
// RangeError or a huge allocation.
import { CorruptDataError, UnsupportedVersionError } from "./errors.js";

type SectionType = "i32" | "f32" | "f64" | "u8";
type Section = Int32Array | Float32Array | Float64Array | Uint8Array;

interface SectionInfo {
  name: string;
  type: SectionType;
  length: number;
}

const BYTES: Record<SectionType, number> = { i32: 4, f32: 4, f64: 8, u8: 1 };
const PREFIX = 12; // magic(4) + version(4) + header length(4)
const MAX_HEADER_BYTES = 1 << 20;

const align8 = (n: number): number => (n + 7) & ~7;

function typeOf(a: Section): SectionType {
  if (a instanceof Int32Array) return "i32";
  if (a instanceof Float32Array) return "f32";
  if (a instanceof Float64Array) return "f64";
  return "u8";
}

export function encodeContainer(magic: string, version: number, header: Record<string, unknown>, sections: Record<string, Section>): Uint8Array {
  const infos: SectionInfo[] = Object.entries(sections).map(([name, a]) => ({ name, type: typeOf(a), length: a.length }));
  const headerBytes = new TextEncoder().encode(JSON.stringify({ ...header, sections: infos }));
  let size = align8(PREFIX + headerBytes.length);
  for (const s of infos) size += align8(s.length * BYTES[s.type]);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(magic), 0);
  view.setUint32(4, version, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, PREFIX);
  let offset = align8(PREFIX + headerBytes.length);
  for (const s of infos) {
    const a = sections[s.name];
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset += align8(a.byteLength);
  }
  return out;
}

export interface Container {
  version: number;
  header: Record<string, unknown>;
  i32(name: string, expectLength?: number): Int32Array;
  f32(name: string, expectLength?: number): Float32Array;
  f64(name: string, expectLength?: number): Float64Array | undefined;
  u8(name: string): Uint8Array;
  has(name: string): boolean;
}

export function decodeContainer(bytes: Uint8Array, magic: string, supportedVersions: number[]): Container {
  if (bytes.byteLength < PREFIX) throw new CorruptDataError(`${magic}: ${bytes.byteLength} bytes is too short`);
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== magic) throw new CorruptDataError(`not a ${magic} file (bad magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (!supportedVersions.includes(version)) throw new UnsupportedVersionError(`${magic} format version ${version} is not supported (supported: ${supportedVersions.join(", ")})`);
  const headerLength = view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES || PREFIX + headerLength > bytes.byteLength) throw new CorruptDataError(`${magic}: header length ${headerLength} exceeds the data`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength))) as Record<string, unknown>;
  } catch (err) {
    throw new CorruptDataError(`${magic}: header is not valid JSON`, { cause: err });
  }
  if (typeof header !== "object" || header === null || !Array.isArray(header.sections)) throw new CorruptDataError(`${magic}: header has no section table`);
  const table = new Map<string, { type: SectionType; offset: number; length: number }>();
  let offset = align8(PREFIX + headerLength);
  for (const raw of header.sections as unknown[]) {
    const s = raw as Partial<SectionInfo>;
    if (typeof s.name !== "string" || !(s.type && s.type in BYTES) || !Number.isSafeInteger(s.length) || (s.length as number) < 0) {
      throw new CorruptDataError(`${magic}: malformed section entry`);
    }
    const byteLength = (s.length as number) * BYTES[s.type];
    if (offset + byteLength > bytes.byteLength) throw new CorruptDataError(`${magic}: section ${s.name} runs past the end of the data`);
    table.set(s.name, { type: s.type, offset, length: s.length as number });
    offset += align8(byteLength);
  }
  const absolute = bytes.byteOffset;
  const get = (name: string, type: SectionType, expect?: number): { offset: number; length: number } => {
    const s = table.get(name);
    if (!s || s.type !== type) throw new CorruptDataError(`${magic}: section ${name} (${type}) missing`);
    if (expect !== undefined && s.length !== expect) throw new CorruptDataError(`${magic}: section ${name} has ${s.length} entries, expected ${expect}`);
    return s;
  };
  // Views in place when aligned (always, for buffers we allocated); a copy otherwise.
  const view32 = <T extends Int32Array | Float32Array>(C: new (b: ArrayBufferLike, o: number, l: number) => T, s: { offset: number; length: number }): T =>
    (absolute + s.offset) % 4 === 0
      ? new C(bytes.buffer, absolute + s.offset, s.length)
      : new C(bytes.slice(s.offset, s.offset + s.length * 4).buffer, 0, s.length);
  return {
    version,
    header,
    has: (name) => table.has(name),
    i32: (name, expect) => view32(Int32Array, get(name, "i32", expect)),
    f32: (name, expect) => view32(Float32Array, get(name, "f32", expect)),
    f64: (name, expect) => {
      if (!table.has(name)) return undefined;
      const s = get(name, "f64", expect);
      return (absolute + s.offset) % 8 === 0
        ? new Float64Array(bytes.buffer, absolute + s.offset, s.length)
        : new Float64Array(bytes.slice(s.offset, s.offset + s.length * 8).buffer, 0, s.length);
    },
    u8: (name) => {
      const s = get(name, "u8");
      return bytes.subarray(s.offset, s.offset + s.length);
    },
  };
}

/** Id lists as one UTF-8 blob plus end offsets. */
export function encodeStrings(values: string[]): { blob: Uint8Array; ends: Int32Array } {
  const enc = new TextEncoder();
  const parts = values.map((v) => enc.encode(v));
  const ends = new Int32Array(values.length);
  let total = 0;
  parts.forEach((p, k) => {
    total += p.length;
    ends[k] = total;
  });
  const blob = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    blob.set(p, at);
    at += p.length;
  }
  return { blob, ends };
}

export function decodeStrings(blob: Uint8Array, ends: Int32Array, what: string): string[] {
  const dec = new TextDecoder("utf-8", { fatal: true });
  const out = new Array<string>(ends.length);
  let start = 0;
  for (let k = 0; k < ends.length; k++) {
    const end = ends[k];
    if (end < start || end > blob.length) throw new CorruptDataError(`${what}: id offsets are not increasing within the data`);
    try {
      out[k] = dec.decode(blob.subarray(start, end));
    } catch (err) {
      throw new CorruptDataError(`${what}: id ${k} is not valid UTF-8`, { cause: err });
    }
    start = end;
  }
  return out;
}

/** Checks a CSR structure: monotone pointers from 0 to nnz, column indices in range. */
export function checkCsr(what: string, indptr: Int32Array, indices: Int32Array, nCols: number): void {
  if (indptr[0] !== 0 || indptr[indptr.length - 1] !== indices.length) throw new CorruptDataError(`${what}: row pointers do not span the entries`);
  for (let r = 0; r + 1 < indptr.length; r++) if (indptr[r + 1] < indptr[r]) throw new CorruptDataError(`${what}: row pointers decrease at row ${r}`);
  for (let k = 0; k < indices.length; k++) {
    const c = indices[k];
    if (c < 0 || c >= nCols) throw new CorruptDataError(`${what}: column index ${c} out of range`);
  }
}
