/**
 * JSON text to a value, with syntax errors located by line and column. `JSON.parse` does the
 * parsing; only when it fails does a small strict scanner find where (V8's messages carry a
 * position only sometimes, and never a line).
 */

export interface JsonSyntaxProblem {
  message: string;
  /** 0-based offset into the text. */
  offset: number;
  /** 1-based. */
  line: number;
  column: number;
}

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; problem: JsonSyntaxProblem };

export const parseJsonText = (text: string): JsonParseResult => {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (error) {
    const fallback = error instanceof Error ? error.message : String(error);
    let located: { message: string; offset: number } | undefined;
    try {
      located = locateSyntaxError(body);
    } catch {
      located = undefined; // too deep for the scanner: keep V8's message
    }
    const offset = located?.offset ?? positionIn(fallback) ?? 0;
    const { line, column } = lineColumn(body, offset);
    return { ok: false, problem: { message: located?.message ?? fallback, offset, line, column } };
  }
};

const positionIn = (message: string): number | undefined => {
  const match = /position (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
};

export const lineColumn = (text: string, offset: number): { line: number; column: number } => {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
};

class Located extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const describeChar = (text: string, at: number): string => (at >= text.length ? "end of input" : `character ${JSON.stringify(text[at])}`);

/** The first syntax error of `text` as strict JSON, or undefined when it is valid. */
export const locateSyntaxError = (text: string): { message: string; offset: number } | undefined => {
  let i = 0;
  const fail = (expected: string): never => {
    throw new Located(`expected ${expected}, found ${describeChar(text, i)}`, i);
  };
  const ws = (): void => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const literal = (word: string): void => {
    for (const char of word) {
      if (text[i] !== char) fail(`"${word}"`);
      i++;
    }
  };
  const string = (): void => {
    if (text[i] !== '"') fail("a double-quoted string");
    i++;
    for (;;) {
      if (i >= text.length) throw new Located("unterminated string", i);
      const code = text.charCodeAt(i);
      if (code === 34) {
        i++;
        return;
      }
      if (code < 0x20) throw new Located("control character in string (escape it)", i);
      if (code === 92) {
        i++;
        const escape = text[i];
        if (escape === "u") {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? "")) throw new Located("bad \\u escape in string", i + k);
          }
          i += 5;
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) {
          i++;
        } else {
          throw new Located("bad escape in string", i);
        }
        continue;
      }
      i++;
    }
  };
  const digits = (): void => {
    if (!/[0-9]/.test(text[i] ?? "")) fail("a digit");
    while (/[0-9]/.test(text[i] ?? "")) i++;
  };
  const number = (): void => {
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else digits();
    if (text[i] === ".") {
      i++;
      digits();
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      digits();
    }
  };
  const value = (): void => {
    ws();
    const char = text[i];
    if (char === "{") return object();
    if (char === "[") return array();
    if (char === '"') return string();
    if (char === "t") return literal("true");
    if (char === "f") return literal("false");
    if (char === "n") return literal("null");
    if (char === "-" || /[0-9]/.test(char ?? "")) return number();
    return fail("a value");
  };
  const object = (): void => {
    i++;
    ws();
    if (text[i] === "}") {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] === "}") throw new Located("trailing comma before }", i);
      string();
      ws();
      if (text[i] !== ":") fail('":" after a property name');
      i++;
      value();
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return;
      }
      fail('"," or "}"');
    }
  };
  const array = (): void => {
    i++;
    ws();
    if (text[i] === "]") {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] === "]") throw new Located("trailing comma before ]", i);
      value();
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return;
      }
      fail('"," or "]"');
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail("end of input after the JSON value");
    return undefined;
  } catch (error) {
    if (error instanceof Located) return { message: error.message, offset: error.offset };
    throw error;
  }
};
