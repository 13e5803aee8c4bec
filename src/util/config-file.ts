// Reads the files users hand idlereap (policies, profiles, sysctl files) as hostile input: regular
// files only, opened without blocking on a FIFO, bounded in size; and YAML parsed with bounded
// nesting and alias expansion, every failure a ConfigError that names the file.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { type Document, LineCounter, parseDocument } from "yaml";
import { ConfigError, ConfigFileError, ConfigReadError, IdlereapError } from "../errors.js";

/** The largest configuration file read: 1 MiB, far beyond any real policy or profile. */
export const MAX_CONFIG_BYTES = 1 << 20;
/** Deeper YAML than this is refused before it can exhaust the parser's stack (~1000 levels). */
export const MAX_YAML_DEPTH = 64;
/** Block nesting is bounded by indentation: columns of leading spaces and "- " before content. */
export const MAX_YAML_INDENT = 256;
/**
 * Items (list entries, counted as commas and lines, an over-estimate) a YAML text may hold. The
 * parser takes tens of microseconds per item, so 500k items in a 1 MiB file would take seconds
 * before any key's own bound is checked; real files hold a few hundred.
 */
export const MAX_YAML_ITEMS = 50_000;
/** Aliases expanded per document (yaml's own default), the guard against "billion laughs". */
export const MAX_YAML_ALIASES = 100;

/**
 * The text of a regular file of at most `maxBytes`. A FIFO, device, socket or directory is refused
 * without reading from it (O_NONBLOCK keeps opening a FIFO from waiting for a writer).
 */
export function readConfigFile(file: string, what: string, maxBytes = MAX_CONFIG_BYTES): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigReadError(`cannot read ${what} ${file}: ${code}`, {
      cause: err,
    });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ConfigFileError(file, `${what} ${file} is ${kindOf(st)}, not a regular file`);
    if (st.size > maxBytes) throw tooLarge(file, what, maxBytes);
    // Read to EOF but never past the cap: a file that grows, or reports size 0 as /proc files do,
    // is still bounded.
    const chunks: Buffer[] = [];
    let len = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - len));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      len += n;
      if (len > maxBytes) throw tooLarge(file, what, maxBytes);
    }
    return Buffer.concat(chunks, len).toString("utf8");
  } catch (err) {
    if (err instanceof IdlereapError) throw err;
    throw new ConfigReadError(`cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    closeSync(fd);
  }
}

function tooLarge(file: string, what: string, maxBytes: number): ConfigFileError {
  return new ConfigFileError(file, `${what} ${file} is larger than ${maxBytes} bytes`);
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

export interface ParsedYaml {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The document as plain data. */
  readonly data: unknown;
}

/**
 * Parses YAML text. Syntax errors, nesting deeper than MAX_YAML_DEPTH and alias bombs become a
 * ConfigError naming `file` (and the line when known), with `prefix` before the parser's message.
 */
export function parseYaml(text: string, file: string, prefix: string): ParsedYaml {
  const deep = nestingLine(text);
  if (deep !== undefined) {
    throw new ConfigError(
      `YAML nested too deeply (more than ${MAX_YAML_DEPTH} levels of [ or {, or ${MAX_YAML_INDENT} columns of indentation)`,
      { file, line: deep },
    );
  }
  const crowded = itemsLine(text);
  if (crowded !== undefined) {
    throw new ConfigError(
      `YAML holds more than ${MAX_YAML_ITEMS} items (list entries or lines); every list has a much smaller bound`,
      { file, line: crowded },
    );
  }
  const lines = new LineCounter();
  // prettyErrors off: yaml's excerpt of a huge line is itself costly to build.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const line = lines.linePos(first.pos[0]).line;
    throw new ConfigError(`${prefix}${first.message.split("\n")[0]}`, { file, line });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    const why = /alias count/i.test((err as Error).message)
      ? `aliases expand past ${MAX_YAML_ALIASES} copies (a YAML alias bomb?)`
      : (err as Error).message;
    throw new ConfigError(`${prefix}${why}`, { file });
  }
  return { doc, lines, data };
}

/** The line where the count of commas and lines first passes MAX_YAML_ITEMS, or undefined. */
function itemsLine(text: string): number | undefined {
  let items = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if ((c === 10 || c === 44) && ++items > MAX_YAML_ITEMS) return line;
  }
  return undefined;
}

/**
 * The line where flow brackets ([ {) or block indentation first pass MAX_YAML_DEPTH, or undefined.
 * A cheap over-estimate (brackets inside quoted text count too): real files stay far below it.
 */
function nestingLine(text: string): number | undefined {
  let depth = 0;
  let line = 1;
  let atLineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      atLineStart = true;
      indent = 0;
      continue;
    }
    if (atLineStart) {
      // Leading spaces and "- " of nested sequences both push content right.
      if (c === 32 || c === 45) {
        indent++;
        if (indent > MAX_YAML_INDENT) return line;
        continue;
      }
      atLineStart = false;
    }
    if (c === 91 || c === 123) {
      if (++depth > MAX_YAML_DEPTH) return line;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}
