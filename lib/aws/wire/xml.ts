/**
 * A small XML parser for the answers of AWS's query protocols (IAM, SNS, STS: awsQuery; EC2: ec2Query).
 *
 * It reads exactly what those answers contain: a declaration, elements, attributes, text, entities,
 * CDATA and comments. It refuses document type declarations outright, so no entity is ever expanded
 * from a DTD (billion laughs, external entities). One forward pass with `indexOf` scans: linear time,
 * no regular expressions to backtrack. Names keep their prefix as written (`ns2:Foo`); AWS answers use
 * a default xmlns, so their element names carry none.
 *
 * Deliberately not done: line-ending and attribute-value normalisation (XML 1.0 §2.11, §3.3.3). Text is
 * kept exactly as sent, because policy documents arrive as leaf text and must reach the caller unchanged.
 */

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text (entities decoded, CDATA included). Whitespace-only text between child elements is dropped. */
  readonly text: string;
}

/** The input is not well-formed XML, or uses a feature refused here (DOCTYPE, too deep). */
export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
  constructor(
    message: string,
    /** Offset into the input, in UTF-16 code units, where the problem was found. */
    readonly offset: number,
  ) {
    super(`${message} (at offset ${offset})`);
  }
}

/** Deeper than any AWS answer; a bound so hostile input cannot exhaust the stack or memory. */
export const MAX_XML_DEPTH = 100;

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

interface OpenElement {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
}

/** Parses a whole document and returns its root element; throws XmlParseError when it is not well-formed. */
export function parseXml(text: string): XmlElement {
  return new Parser(text).document();
}

/** The first child element with that name. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((candidate) => candidate.name === name);
}

/** Every child element with that name, in document order. */
export function childrenNamed(element: XmlElement | undefined, name: string): XmlElement[] {
  return element ? element.children.filter((candidate) => candidate.name === name) : [];
}

/** The text of the first child element with that name; undefined when there is no such child. */
export function textOf(element: XmlElement | undefined, name: string): string | undefined {
  return child(element, name)?.text;
}

/** The items of a wrapped list, `<Name><member/>...</Name>` (awsQuery) or `<nameSet><item/>...</nameSet>` (ec2Query). */
export function listOf(element: XmlElement | undefined, name: string, itemName = 'member'): XmlElement[] {
  return childrenNamed(child(element, name), itemName);
}

class Parser {
  private position = 0;

  constructor(private readonly input: string) {}

  document(): XmlElement {
    if (this.input.charCodeAt(0) === 0xfeff) this.position = 1;
    this.skipMisc(true);
    if (this.position >= this.input.length) this.fail('no root element');
    if (this.input[this.position] !== '<') this.fail('text before the root element');
    const root = this.element();
    this.skipMisc(false);
    if (this.position < this.input.length) this.fail('content after the root element');
    return root;
  }

  /** Whitespace, comments and processing instructions, which may surround the root element. */
  private skipMisc(beforeRoot: boolean): void {
    for (;;) {
      this.skipWhitespace();
      if (this.startsWith('<?')) {
        this.skipProcessingInstruction(beforeRoot);
      } else if (this.startsWith('<!--')) {
        this.skipComment();
      } else if (this.startsWith('<!DOCTYPE') || this.startsWith('<!doctype')) {
        this.fail('document type declarations are refused: entities are never expanded');
      } else {
        return;
      }
    }
  }

  /** One element and everything inside it, without recursion so depth costs no stack. */
  private element(): XmlElement {
    const stack: OpenElement[] = [];
    for (;;) {
      const open = stack[stack.length - 1];
      if (open === undefined || this.input[this.position] === '<') {
        const closed = this.markup(stack);
        if (closed && stack.length === 0) return closed;
        continue;
      }
      open.text += this.text();
    }
  }

  /**
   * One piece of markup at the current '<'. Returns the element it completed (self-closing or end tag),
   * or undefined when it opened one or was a comment, CDATA section or processing instruction.
   */
  private markup(stack: OpenElement[]): XmlElement | undefined {
    const open = stack[stack.length - 1];
    if (open === undefined && this.input[this.position] !== '<') this.fail('expected an element');
    if (this.startsWith('</')) {
      if (open === undefined) this.fail('end tag without a start tag');
      return this.endTag(stack, open);
    }
    if (open !== undefined) {
      if (this.startsWith('<!--')) return this.skipComment();
      if (this.startsWith('<![CDATA[')) {
        open.text += this.cdata();
        return undefined;
      }
      if (this.startsWith('<?')) return this.skipProcessingInstruction(false);
    }
    if (this.startsWith('<!')) {
      if (this.startsWith('<!DOCTYPE') || this.startsWith('<!doctype')) {
        this.fail('document type declarations are refused: entities are never expanded');
      }
      this.fail('unexpected markup declaration');
    }
    return this.startTag(stack);
  }

  private startTag(stack: OpenElement[]): XmlElement | undefined {
    this.position += 1;
    const name = this.name();
    const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
    for (;;) {
      const hadWhitespace = this.skipWhitespace();
      if (this.startsWith('/>')) {
        this.position += 2;
        return this.close(stack, { name, attributes, children: [], text: '' });
      }
      if (this.startsWith('>')) {
        this.position += 1;
        if (stack.length >= MAX_XML_DEPTH) this.fail(`elements nested deeper than ${MAX_XML_DEPTH}`);
        stack.push({ name, attributes, children: [], text: '' });
        return undefined;
      }
      if (this.position >= this.input.length) this.fail(`unterminated start tag <${name}`);
      if (!hadWhitespace) this.fail(`expected whitespace before an attribute in <${name}`);
      this.attribute(name, attributes);
    }
  }

  private attribute(elementName: string, attributes: Record<string, string>): void {
    const attributeStart = this.position;
    const name = this.name();
    this.skipWhitespace();
    if (this.input[this.position] !== '=') this.fail(`attribute ${name} of <${elementName}> has no value`);
    this.position += 1;
    this.skipWhitespace();
    const quote = this.input[this.position];
    if (quote !== '"' && quote !== "'") this.fail(`attribute ${name} of <${elementName}> is not quoted`);
    const valueStart = this.position + 1;
    const valueEnd = this.input.indexOf(quote, valueStart);
    if (valueEnd < 0) this.fail(`unterminated value of attribute ${name}`);
    const raw = this.input.slice(valueStart, valueEnd);
    const lessThan = raw.indexOf('<');
    if (lessThan >= 0) this.fail(`'<' in the value of attribute ${name}`, valueStart + lessThan);
    if (Object.prototype.hasOwnProperty.call(attributes, name)) this.fail(`duplicate attribute ${name}`, attributeStart);
    attributes[name] = this.decode(raw, valueStart);
    this.position = valueEnd + 1;
  }

  private endTag(stack: OpenElement[], open: OpenElement): XmlElement {
    const tagStart = this.position;
    this.position += 2;
    const name = this.name();
    this.skipWhitespace();
    if (this.input[this.position] !== '>') this.fail(`unterminated end tag </${name}`);
    this.position += 1;
    if (name !== open.name) this.fail(`end tag </${name}> does not match <${open.name}>`, tagStart);
    stack.pop();
    const text = open.children.length > 0 && isWhitespace(open.text) ? '' : open.text;
    return this.close(stack, { name: open.name, attributes: open.attributes, children: open.children, text });
  }

  /** Hands a finished element to its parent. */
  private close(stack: OpenElement[], element: XmlElement): XmlElement {
    stack[stack.length - 1]?.children.push(element);
    return element;
  }

  /** Character data up to the next '<', entities decoded. */
  private text(): string {
    const start = this.position;
    const end = this.input.indexOf('<', start);
    if (end < 0) this.fail('unexpected end of input inside an element');
    this.position = end;
    return this.decode(this.input.slice(start, end), start);
  }

  private cdata(): string {
    const start = this.position + '<![CDATA['.length;
    const end = this.input.indexOf(']]>', start);
    if (end < 0) this.fail('unterminated CDATA section');
    this.position = end + 3;
    return this.input.slice(start, end);
  }

  private skipComment(): undefined {
    const end = this.input.indexOf('-->', this.position + 4);
    if (end < 0) this.fail('unterminated comment');
    this.position = end + 3;
    return undefined;
  }

  private skipProcessingInstruction(mayBeDeclaration: boolean): undefined {
    const start = this.position;
    const end = this.input.indexOf('?>', start + 2);
    if (end < 0) this.fail('unterminated processing instruction');
    const target = this.input.slice(start + 2, end).split(/[ \t\r\n]/, 1)[0] ?? '';
    if (target === '') this.fail('processing instruction without a target');
    // The declaration may only open the document.
    if (target.toLowerCase() === 'xml' && !(mayBeDeclaration && start === (this.input.charCodeAt(0) === 0xfeff ? 1 : 0))) {
      this.fail('XML declaration not at the start of the document');
    }
    this.position = end + 2;
    return undefined;
  }

  private name(): string {
    const start = this.position;
    if (!isNameStart(this.input.charCodeAt(start))) this.fail('expected a name');
    let end = start + 1;
    while (end < this.input.length && isNameChar(this.input.charCodeAt(end))) end += 1;
    this.position = end;
    return this.input.slice(start, end);
  }

  /** Decodes the predefined entities and character references; any other '&' is an error (no DTD, so no other entities). */
  private decode(raw: string, offset: number): string {
    let ampersand = raw.indexOf('&');
    if (ampersand < 0) return raw;
    let decoded = '';
    let copied = 0;
    while (ampersand >= 0) {
      const semicolon = raw.indexOf(';', ampersand + 1);
      // The longest legal reference is &#x10FFFF; (10 characters); look no further, so a lone '&' stays cheap.
      if (semicolon < 0 || semicolon - ampersand > 10) this.fail('unterminated entity reference', offset + ampersand);
      decoded += raw.slice(copied, ampersand) + this.entity(raw.slice(ampersand + 1, semicolon), offset + ampersand);
      copied = semicolon + 1;
      ampersand = raw.indexOf('&', copied);
    }
    return decoded + raw.slice(copied);
  }

  private entity(reference: string, offset: number): string {
    const predefined = PREDEFINED_ENTITIES[reference];
    if (predefined !== undefined) return predefined;
    const hex = reference.startsWith('#x');
    const digits = hex ? reference.slice(2) : reference.startsWith('#') ? reference.slice(1) : undefined;
    if (digits === undefined) this.fail(`unknown entity &${reference};`, offset);
    if (!(hex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) this.fail(`malformed character reference &${reference};`, offset);
    const codePoint = Number.parseInt(digits, hex ? 16 : 10);
    if (!isXmlChar(codePoint)) this.fail(`character reference &${reference}; is not an XML character`, offset);
    return String.fromCodePoint(codePoint);
  }

  private skipWhitespace(): boolean {
    const start = this.position;
    while (this.position < this.input.length && isWhitespaceCode(this.input.charCodeAt(this.position))) this.position += 1;
    return this.position > start;
  }

  private startsWith(token: string): boolean {
    return this.input.startsWith(token, this.position);
  }

  private fail(message: string, offset = this.position): never {
    throw new XmlParseError(message, offset);
  }
}

function isWhitespaceCode(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isWhitespace(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    if (!isWhitespaceCode(text.charCodeAt(index))) return false;
  }
  return true;
}

/** XML 1.0 NameStartChar, simplified: ASCII letters, '_', ':', and anything beyond ASCII. */
function isNameStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f || code === 0x3a || code >= 0x80;
}

function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2e;
}

/** XML 1.0 Char production: what a character reference may name. */
function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x09 ||
    codePoint === 0x0a ||
    codePoint === 0x0d ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}
