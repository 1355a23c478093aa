/**
 * Splits a stream of JSON text into the texts of the CloudTrail records it holds, without
 * ever holding more than one record (and the current chunk) in memory:
 *
 * - a CloudTrail S3 log file `{"Records":[...]}`, usually one line of up to tens of MB:
 *   the elements of `Records` are emitted one by one;
 * - a JSON array of records: its elements;
 * - a single record or EventBridge envelope: the whole object;
 * - NDJSON (one JSON value a line, detected when the first value ends on its line and a
 *   new line follows): each non-blank line, numbered, so a broken line is reported by number
 *   and the next lines are still read.
 *
 * The scanner tracks only what splitting needs (depth, strings and escapes) and leaves the
 * real parsing to JSON.parse per record: inside strings, where most of a record's bytes are,
 * it jumps from quote to quote with the native `indexOf`.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const COMMA = 0x2c;
const COLON = 0x3a;
const BYTE_ORDER_MARK = 0xfeff;

/** CloudTrail records are far smaller (it truncates large request parameters); beyond this the input is not CloudTrail. */
export const MAX_RECORD_CHARS = 16 * 1024 * 1024;

/** The input cannot be split into records any further: the rest of the file is skipped. */
export class InputFormatError extends Error {
  override readonly name = 'InputFormatError';
}

/**
 * The three fields every CloudTrail record has, read off the record's text while it was split
 * (when they are plain top-level strings), so a caller can skip parsing records it does not want.
 */
export interface RecordKeys {
  eventSource: string;
  eventName: string;
  eventTime: string;
}

/** Receives each record's text; `index` counts records from 1; `line` is set for NDJSON. */
export type RecordHandler = (text: string, index: number, line: number | undefined, keys: RecordKeys | undefined) => void;

export class RecordSplitter {
  private lineMode = false;
  private depth = 0;
  private inString = false;
  private escapePending = false;
  /** Depth at which emitted values start: 0 top-level values, 1 elements of a top-level array, 2 elements of `Records`. */
  private elementDepth = 0;
  private topIsObject = false;
  private recordOpen = false;
  private scalar = false;
  private parts: string[] = [];
  private partsLength = 0;
  /** The last string closed directly inside a top-level object: the key of a following array. */
  private lastKey = '';
  private keyCarry = '';
  private newlinesAtTop = 0;
  private valueHasNewline = false;
  private ndjsonCandidate = false;
  private topValues = 0;
  private lineCarry = '';
  private recordStart = 0;
  private keyFrom = 0;
  private line = 0;
  private emitted = 0;
  /** The record's eventSource, eventName and eventTime as seen by the hot path; any doubt clears keysValid. */
  private keysValid = false;
  private eventSource: string | undefined;
  private eventName: string | undefined;
  private eventTime: string | undefined;

  constructor(private readonly onRecord: RecordHandler) {}

  /** Records emitted so far. */
  get records(): number {
    return this.emitted;
  }

  push(chunk: string): void {
    if (chunk.length === 0) return;
    if (this.lineMode) this.scanLines(chunk, false);
    else this.scanStructure(chunk);
  }

  /** The input is complete: emits what is left, or throws if it ends inside a value. */
  end(): void {
    if (this.lineMode) {
      this.scanLines('', true);
      return;
    }
    if (this.depth > 0 || this.inString) {
      throw new InputFormatError(
        `truncated JSON: the input ends inside ${this.elementDepth > 0 || this.recordOpen ? `record ${this.emitted + 1}` : 'the document'} (${this.emitted} complete record(s) before it)`,
      );
    }
  }

  private emit(text: string, line?: number): void {
    this.emitted += 1;
    const keys =
      this.keysValid && this.eventSource !== undefined && this.eventName !== undefined && this.eventTime !== undefined
        ? { eventSource: this.eventSource, eventName: this.eventName, eventTime: this.eventTime }
        : undefined;
    this.keysValid = false;
    this.onRecord(text, this.emitted, line, keys);
  }

  private scanLines(chunk: string, final: boolean): void {
    const text = this.lineCarry === '' ? chunk : this.lineCarry + chunk;
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1) break;
      this.line += 1;
      this.emitLine(text, start, newline);
      start = newline + 1;
    }
    if (final) {
      this.lineCarry = '';
      if (start < text.length) {
        this.line += 1;
        this.emitLine(text, start, text.length);
      }
      return;
    }
    this.lineCarry = start === 0 ? text : text.slice(start);
    if (this.lineCarry.length > MAX_RECORD_CHARS) {
      throw new InputFormatError(`line ${this.line + 1} is longer than ${MAX_RECORD_CHARS} characters: not a CloudTrail record; the rest of the file is skipped`);
    }
  }

  private emitLine(text: string, start: number, end: number): void {
    let from = start;
    let to = end;
    while (from < to && isBlank(text.charCodeAt(from))) from += 1;
    while (to > from && isBlank(text.charCodeAt(to - 1))) to -= 1;
    if (from < to) this.emit(text.slice(from, to), this.line);
  }

  private scanStructure(s: string): void {
    const n = s.length;
    this.recordStart = 0;
    let i = 0;
    if (this.recordOpen && !this.scalar && this.elementDepth > 0) i = this.scanRecord(s, 0);
    else if (this.inString) i = this.skipString(s, 0);
    while (i < n) {
      if (this.lineMode) {
        this.scanLines(s.slice(i), false);
        return;
      }
      i = this.step(s, i);
      if (this.recordOpen && !this.scalar && this.elementDepth > 0 && !this.inString && i < n) i = this.scanRecord(s, i);
    }
    if (this.recordOpen) {
      // Keys read before a chunk boundary are not trusted: the record is parsed in full.
      this.keysValid = false;
      const rest = s.slice(this.recordStart);
      this.parts.push(rest);
      this.partsLength += rest.length;
      if (this.partsLength > MAX_RECORD_CHARS) {
        throw new InputFormatError(`record ${this.emitted + 1} is longer than ${MAX_RECORD_CHARS} characters: not a CloudTrail record; the rest of the file is skipped`);
      }
    }
  }

  private finishRecord(s: string, end: number): void {
    const tail = s.slice(this.recordStart, end);
    const text = this.parts.length > 0 ? this.parts.join('') + tail : tail;
    this.parts = [];
    this.partsLength = 0;
    this.recordOpen = false;
    this.scalar = false;
    this.emit(text);
  }

  /**
   * The hot path: inside an object or array element of a records array, only strings and
   * depth matter until the element closes. Returns where scanning goes on.
   */
  private scanRecord(s: string, from: number): number {
    const n = s.length;
    const base = this.elementDepth;
    let depth = this.depth;
    let i = from;
    if (this.inString) {
      i = this.skipString(s, i);
      if (this.inString) return n;
    }
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        const open = i;
        let from = i + 1;
        for (;;) {
          const quote = s.indexOf('"', from);
          if (quote === -1) {
            let k = n - 1;
            while (k >= from && s.charCodeAt(k) === BACKSLASH) k -= 1;
            this.escapePending = ((n - 1 - k) & 1) === 1;
            this.inString = true;
            this.depth = depth;
            return n;
          }
          let k = quote - 1;
          while (k >= from && s.charCodeAt(k) === BACKSLASH) k -= 1;
          from = quote + 1;
          if (((quote - 1 - k) & 1) === 0) break;
        }
        i = from;
        // A key of the record itself (`"eventName":`), one of the three wanted: take its value if it is a plain string.
        if (depth === base + 1 && s.charCodeAt(i) === COLON) {
          const length = i - open - 2;
          if ((length === 9 || length === 11) && s.startsWith('event', open + 1)) i = this.readKey(s, open + 1, i - 1, i + 1);
        }
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth += 1;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth -= 1;
        if (depth === base) {
          this.depth = depth;
          this.finishRecord(s, i + 1);
          return i + 1;
        }
      }
      i += 1;
    }
    this.depth = depth;
    return n;
  }

  /** After a key of the record at [keyStart, keyEnd): records a wanted key's string value; returns where scanning goes on. */
  private readKey(s: string, keyStart: number, keyEnd: number, valueFrom: number): number {
    const key = s.slice(keyStart, keyEnd);
    if (key !== 'eventName' && key !== 'eventSource' && key !== 'eventTime') return valueFrom;
    let j = valueFrom;
    while (s.charCodeAt(j) === SPACE) j += 1;
    const close = s.charCodeAt(j) === QUOTE ? s.indexOf('"', j + 1) : -1;
    const value = close === -1 ? undefined : s.slice(j + 1, close);
    // Not a string, cut by the chunk's end, escaped, or given twice: leave it to JSON.parse.
    if (value === undefined || value.includes('\\') || this[key] !== undefined) {
      this.keysValid = false;
      return valueFrom;
    }
    this[key] = value;
    return close + 1;
  }

  /** Continues a string begun in an earlier chunk or step; returns the index after its closing quote, or the chunk's end. */
  private skipString(s: string, from: number): number {
    const n = s.length;
    let i = from;
    if (this.escapePending) {
      // The previous chunk ended on an unpaired backslash: this chunk's first character is escaped.
      this.escapePending = false;
      i += 1;
    }
    for (;;) {
      const quote = s.indexOf('"', i);
      if (quote === -1) {
        let k = n - 1;
        while (k >= i && s.charCodeAt(k) === BACKSLASH) k -= 1;
        this.escapePending = ((n - 1 - k) & 1) === 1;
        if (this.tracksKeys()) this.keyCarry += s.slice(this.keyFrom);
        this.keyFrom = 0;
        return n;
      }
      let k = quote - 1;
      while (k >= i && s.charCodeAt(k) === BACKSLASH) k -= 1;
      i = quote + 1;
      if (((quote - 1 - k) & 1) === 1) continue;
      this.inString = false;
      if (this.tracksKeys()) {
        this.lastKey = this.keyCarry + s.slice(this.keyFrom, quote);
        this.keyCarry = '';
      }
      if (this.recordOpen && this.scalar && this.depth === this.elementDepth) this.finishRecord(s, i);
      return i;
    }
  }

  /** Strings directly inside a top-level object may be the key "Records". */
  private tracksKeys(): boolean {
    return this.depth === 1 && this.elementDepth === 0 && this.topIsObject;
  }

  /** One step of the general scanner (between records, at the top level, inside a lone record). */
  private step(s: string, i: number): number {
    if (this.inString) return this.skipString(s, i);
    const c = s.charCodeAt(i);
    const depth = this.depth;
    if (c === QUOTE) {
      if (depth === this.elementDepth && !this.recordOpen) {
        if (depth === 0) throw notRecords(c, this.emitted);
        this.openRecord(i, true);
      }
      this.inString = true;
      this.keyFrom = i + 1;
      this.keyCarry = '';
      return this.skipString(s, i + 1);
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth === this.elementDepth) {
        if (this.recordOpen && this.scalar) this.finishRecord(s, i);
        if (depth === 0) {
          this.ndjsonCandidate = false;
          this.valueHasNewline = false;
          this.topIsObject = c === OPEN_BRACE;
          this.lastKey = '';
          // The elements of a top-level array are the records; a top-level object is one until it turns out to hold `Records`.
          if (this.topIsObject) this.openRecord(i, false);
          else this.elementDepth = 1;
        } else {
          this.openRecord(i, false);
        }
      }
      this.depth = depth + 1;
      if (c === OPEN_BRACKET && depth === 1 && this.topIsObject && this.elementDepth === 0 && this.lastKey === 'Records') {
        // A CloudTrail log file: stream the elements of Records rather than the whole object.
        this.elementDepth = 2;
        this.recordOpen = false;
        this.parts = [];
        this.partsLength = 0;
      }
      return i + 1;
    }
    if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (this.recordOpen && this.scalar && depth === this.elementDepth) this.finishRecord(s, i);
      if (depth === 0) throw notRecords(c, this.emitted);
      this.depth = depth - 1;
      if (this.depth === this.elementDepth && this.recordOpen) this.finishRecord(s, i + 1);
      else if (this.depth < this.elementDepth) this.elementDepth = 0;
      if (this.depth === 0) {
        this.topValues += 1;
        this.ndjsonCandidate = this.topValues === 1 && !this.valueHasNewline;
      }
      return i + 1;
    }
    if (c === NEWLINE) {
      if (depth === 0) {
        this.newlinesAtTop += 1;
        if (this.ndjsonCandidate) {
          // One value on the first line, then a new line: NDJSON. Lines are the records from here.
          this.lineMode = true;
          this.line = this.newlinesAtTop;
        }
      } else {
        this.valueHasNewline = true;
      }
    }
    if (c === SPACE || c === NEWLINE || c === CARRIAGE_RETURN || c === TAB || c === COMMA || c === COLON) {
      if (this.recordOpen && this.scalar && depth === this.elementDepth) this.finishRecord(s, i);
      else if (depth === 0 && (c === COMMA || c === COLON)) throw notRecords(c, this.emitted);
      return i + 1;
    }
    if (depth === 0) {
      if (c === BYTE_ORDER_MARK && this.topValues === 0) return i + 1;
      throw notRecords(c, this.emitted);
    }
    if (depth === this.elementDepth && !this.recordOpen) this.openRecord(i, true);
    return i + 1;
  }

  private openRecord(at: number, scalar: boolean): void {
    this.keysValid = true;
    this.eventSource = undefined;
    this.eventName = undefined;
    this.eventTime = undefined;
    this.recordOpen = true;
    this.scalar = scalar;
    this.recordStart = at;
  }
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CARRIAGE_RETURN || c === BYTE_ORDER_MARK;
}

function notRecords(c: number, emitted: number): InputFormatError {
  const where = emitted === 0 ? 'at the start' : `after record ${emitted}`;
  return new InputFormatError(`not valid JSON: unexpected ${JSON.stringify(String.fromCharCode(c))} ${where}; the rest of the file is skipped`);
}
