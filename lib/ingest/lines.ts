import { isUtf8 } from "node:buffer";
import fs from "node:fs";
import { StringDecoder } from "node:string_decoder";

/**
 * Streams a text file as numbered lines, a chunk at a time (never the whole file in memory).
 *
 * Encodings:
 * - "utf8": invalid byte sequences become U+FFFD, which the importers reject as invalid UTF-8.
 * - "latin1": every byte is a character (MovieLens 100K and 1M).
 * - "utf8-or-latin1": each line is read as UTF-8 when it is valid UTF-8, else as Latin-1
 *   (the Last.fm HetRec files mix both).
 */
export type TextEncoding = "utf8" | "latin1" | "utf8-or-latin1";

export interface TextLine {
  text: string;
  /** 1-based line number in the file. */
  line: number;
}

export interface LineReaderOptions {
  encoding: TextEncoding;
  /** Called with the size of each chunk read from disk (for progress bars). */
  onBytes?: (bytes: number) => void;
  chunkSize?: number;
}

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const BOM = "\uFEFF";

/** Yields the file's lines in arrays (one per chunk read), empty lines included. */
export async function* readLines(file: string, opts: LineReaderOptions): AsyncGenerator<TextLine[]> {
  // Small chunks: parsing one is a short synchronous slice, so database replies are not left waiting.
  const stream = fs.createReadStream(file, { highWaterMark: opts.chunkSize ?? 64 * 1024 });
  if (opts.encoding === "utf8-or-latin1") yield* readMixedLines(stream, opts);
  else yield* readDecodedLines(stream, opts.encoding, opts);
}

async function* readDecodedLines(
  stream: fs.ReadStream,
  encoding: "utf8" | "latin1",
  opts: LineReaderOptions,
): AsyncGenerator<TextLine[]> {
  // StringDecoder keeps a multi-byte character that straddles two chunks intact.
  const decoder = new StringDecoder(encoding);
  let rest = "";
  let lineNo = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    opts.onBytes?.(chunk.length);
    const parts = (rest + decoder.write(chunk)).split("\n");
    rest = parts.pop()!;
    const out: TextLine[] = new Array(parts.length);
    for (let i = 0; i < parts.length; i++) out[i] = { text: stripCr(parts[i]!), line: ++lineNo };
    if (lineNo === out.length && out.length > 0) out[0]!.text = stripBom(out[0]!.text);
    if (out.length > 0) yield out;
  }
  rest += decoder.end();
  if (rest !== "") yield [{ text: lineNo === 0 ? stripBom(stripCr(rest)) : stripCr(rest), line: ++lineNo }];
}

async function* readMixedLines(stream: fs.ReadStream, opts: LineReaderOptions): AsyncGenerator<TextLine[]> {
  let rest: Buffer | null = null;
  let lineNo = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    opts.onBytes?.(chunk.length);
    const buf: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    const out: TextLine[] = [];
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE, start); nl !== -1; nl = buf.indexOf(NEWLINE, start)) {
      out.push({ text: decodeMixed(buf, start, nl), line: ++lineNo });
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : null;
    if (lineNo === out.length && out.length > 0) out[0]!.text = stripBom(out[0]!.text);
    if (out.length > 0) yield out;
  }
  if (rest && rest.length > 0) {
    const text = decodeMixed(rest, 0, rest.length);
    yield [{ text: lineNo === 0 ? stripBom(text) : text, line: ++lineNo }];
  }
}

function decodeMixed(buf: Buffer, start: number, end: number): string {
  if (end > start && buf[end - 1] === CARRIAGE_RETURN) end--;
  const slice = buf.subarray(start, end);
  return isUtf8(slice) ? slice.toString("utf8") : slice.toString("latin1");
}

function stripCr(text: string): string {
  return text.charCodeAt(text.length - 1) === CARRIAGE_RETURN ? text.slice(0, -1) : text;
}

function stripBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}
