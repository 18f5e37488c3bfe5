/**
 * A small JSON parser that never turns a number into a JS `number`.
 *
 * Mesh writes decimal amounts as JSON numbers with many digits (e.g. `123456789012.12345678`).
 * `JSON.parse` would round them to the nearest double, and Node 20 has no reviver `source`
 * access, so numbers are returned as {@link JsonNumber} holding the exact source text.
 */

/** A JSON number kept as the exact text it was written with. */
export class JsonNumber {
  constructor(readonly source: string) {}
  toString(): string {
    return this.source;
  }
  toJSON(): string {
    return this.source;
  }
}

export type LosslessValue =
  | null
  | boolean
  | string
  | JsonNumber
  | LosslessValue[]
  | { [key: string]: LosslessValue };

/** Thrown for text that is not JSON; `position` is the offending character index. */
export class LosslessJsonSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'LosslessJsonSyntaxError';
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 64;

/** Parses JSON text; numbers become {@link JsonNumber}, everything else is as `JSON.parse` does. */
export function parseLosslessJson(text: string): LosslessValue {
  let i = 0;

  const fail = (message: string): never => {
    throw new LosslessJsonSyntaxError(message, i);
  };
  const skipWhitespace = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };

  const parseString = (): string => {
    // Delegate escapes to JSON.parse on the exact slice: correct and fast, and strings are not lossy.
    const start = i;
    i++; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        try {
          return JSON.parse(text.slice(start, i)) as string;
        } catch {
          i = start;
          return fail('Invalid string');
        }
      }
      if (c === 0x5c) i += 2;
      else if (c < 0x20) return fail('Control character in string');
      else i++;
    }
    return fail('Unterminated string');
  };

  const parseValue = (depth: number): LosslessValue => {
    if (depth > MAX_DEPTH) fail('Nesting too deep');
    skipWhitespace();
    const c = text[i];
    if (c === '{') {
      i++;
      // A null prototype: keys like `__proto__` are plain data, never the object's prototype.
      const obj = Object.create(null) as { [key: string]: LosslessValue };
      skipWhitespace();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipWhitespace();
        if (text[i] !== '"') fail('Expected a property name');
        const key = parseString();
        skipWhitespace();
        if (text[i] !== ':') fail('Expected ":"');
        i++;
        obj[key] = parseValue(depth + 1);
        skipWhitespace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail('Expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const arr: LosslessValue[] = [];
      skipWhitespace();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipWhitespace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail('Expected "," or "]"');
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i += m[0].length;
      return new JsonNumber(m[0]);
    }
    return fail('Unexpected token');
  };

  const value = parseValue(0);
  skipWhitespace();
  if (i !== text.length) fail('Unexpected data after JSON');
  return value;
}
