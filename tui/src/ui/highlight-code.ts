/**
 * Syntax highlighting for fenced code blocks, by a small tokenizer per language family: strings,
 * numbers, comments, keywords, literals, punctuation, and keys (JSON properties, YAML keys).
 * Synchronous, so a code block is drawn complete and coloured at once. The renderer's tree-sitter
 * highlighter bundles grammars for only a few languages and none for JSON, the language of most
 * code in model requests and tool calls; it covers those few in the pager (see pager.tsx).
 */
import type { TextRun } from "./word-wrap.ts";

export const SYNTAX_ROLES = ["keyword", "string", "number", "comment", "property", "literal", "punctuation"] as const;
export type SyntaxRole = (typeof SYNTAX_ROLES)[number];

export interface CodeRun extends TextRun {
  /** Undefined for plain code text. */
  readonly role?: SyntaxRole;
}

interface Family {
  readonly lineComment?: readonly string[];
  readonly blockComment?: boolean;
  readonly quotes: string;
  readonly keywords: ReadonlySet<string>;
  readonly caseInsensitive?: boolean;
  /** "json": a string before a colon is a key; "yaml": a word at the start of a line before a colon is. */
  readonly keys?: "json" | "yaml";
}

const words = (text: string): ReadonlySet<string> => new Set(text.split(/\s+/).filter(Boolean));

const C_LIKE = words(`
  abstract as async await break case catch class const continue default defer delete do else enum export extends false final finally fn for
  func function go if impl implements import in instanceof interface let loop match mod module mut namespace new package private protected pub
  public readonly return satisfies static struct super switch this throw trait try type typeof use var void where while yield`);
const HASH = words(`
  alias and as assert async await begin break case class continue declare def del do done echo elif else end ensure esac except exec export fi
  finally for from function global if import in is lambda local module nonlocal not or pass raise readonly rescue return then try unless until
  when while with yield`);
const SQL = words(`
  add all alter and as asc begin between by case commit create delete desc distinct drop else end exists from group having in index insert
  into is join key left like limit not null offset on or order primary references right rollback select set table then union unique update
  values when where with`);
const LITERALS = words("true false null undefined nil None True False NaN Infinity");

const FAMILIES: Readonly<Record<string, Family>> = {
  json: { quotes: '"', keywords: words(""), keys: "json" },
  jsonc: { lineComment: ["//"], blockComment: true, quotes: '"', keywords: words(""), keys: "json" },
  c: { lineComment: ["//"], blockComment: true, quotes: "\"'`", keywords: C_LIKE },
  hash: { lineComment: ["#"], quotes: "\"'", keywords: HASH },
  yaml: { lineComment: ["#"], quotes: "\"'", keywords: words(""), keys: "yaml" },
  sql: { lineComment: ["--"], blockComment: true, quotes: "'\"", keywords: SQL, caseInsensitive: true },
  lua: {
    lineComment: ["--"],
    quotes: "\"'",
    keywords: words("and break do else elseif end for function goto if in local not or repeat return then until while"),
  },
};

const LANGUAGES: Readonly<Record<string, keyof typeof FAMILIES>> = Object.fromEntries(
  Object.entries({
    json: "json geojson ndjson jsonl",
    jsonc: "jsonc json5",
    c: "js javascript jsx mjs cjs ts typescript tsx mts cts java c h cpp c++ cc hpp cs csharp go golang rust rs swift kotlin kt kts scala zig php dart groovy",
    hash: "python py sh bash zsh shell console shellscript ruby rb perl pl r make makefile dockerfile ini conf cfg properties nix elixir ex exs",
    yaml: "yaml yml toml",
    sql: "sql psql mysql sqlite postgres postgresql",
    lua: "lua",
  }).flatMap(([family, names]) => names.split(" ").map((name) => [name, family])),
);

/** The family of a fence's info string ("ts", "python title=x.py"), if it is known. */
const familyOf = (lang: string): Family | undefined => {
  const name = lang.trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  const family = LANGUAGES[name];
  return family ? FAMILIES[family] : undefined;
};

const NUMBER = /-?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|(?:\d[\d_]*)(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)/y;
const WORD = /[A-Za-z_$][\w$]*/y;
const YAML_KEY = /\s*(?:-\s+)?[\w.$-]+(?=\s*[:=](?:\s|$))/y;
const KEY_COLON = /\s*:/y;
const PUNCTUATION = "{}[]()<>,;:.=+-*/%!&|^~?@";

const matchAt = (re: RegExp, line: string, at: number): string | undefined => {
  re.lastIndex = at;
  return re.exec(line)?.[0];
};

/** Where a string that opens at `at` ends (after its closing quote, or at the end of the line). */
const stringEnd = (line: string, at: number, quote: string): number => {
  for (let i = at + 1; i < line.length; i++) {
    if (line[i] === "\\") i++;
    else if (line[i] === quote) return i + 1;
  }
  return line.length;
};

/** Highlights one line; returns its runs and whether a block comment is still open at its end. */
const highlightLine = (line: string, family: Family, inComment: boolean): { runs: CodeRun[]; inComment: boolean } => {
  const runs: CodeRun[] = [];
  const push = (text: string, role?: SyntaxRole) => {
    if (text === "") return;
    const last = runs.at(-1);
    if (last && last.role === role) runs[runs.length - 1] = { ...last, text: last.text + text };
    else runs.push(role === undefined ? { text } : { text, role });
  };
  let i = 0;
  if (family.keys === "yaml") {
    const key = matchAt(YAML_KEY, line, 0);
    if (key) {
      push(key, "property");
      i = key.length;
    }
  }
  while (i < line.length) {
    if (inComment) {
      const end = line.indexOf("*/", i);
      const stop = end < 0 ? line.length : end + 2;
      push(line.slice(i, stop), "comment");
      i = stop;
      inComment = end < 0;
      continue;
    }
    if (family.lineComment?.some((c) => line.startsWith(c, i) && (c !== "#" || i === 0 || /\s/.test(line[i - 1] ?? "")))) {
      push(line.slice(i), "comment");
      break;
    }
    if (family.blockComment && line.startsWith("/*", i)) {
      inComment = true;
      push("/*", "comment");
      i += 2;
      continue;
    }
    const ch = line[i] ?? "";
    if (family.quotes.includes(ch)) {
      const end = stringEnd(line, i, ch);
      const isKey = family.keys === "json" && matchAt(KEY_COLON, line, end) !== undefined;
      push(line.slice(i, end), isKey ? "property" : "string");
      i = end;
      continue;
    }
    const before = line[i - 1] ?? " ";
    if (/[\d-]/.test(ch) && !/[\w$.]/.test(before)) {
      const number = matchAt(NUMBER, line, i);
      if (number && number !== "-") {
        push(number, "number");
        i += number.length;
        continue;
      }
    }
    const word = matchAt(WORD, line, i);
    if (word) {
      const key = family.caseInsensitive ? word.toLowerCase() : word;
      push(word, LITERALS.has(word) ? "literal" : family.keywords.has(key) ? "keyword" : undefined);
      i += word.length;
      continue;
    }
    push(ch, PUNCTUATION.includes(ch) ? "punctuation" : undefined);
    i += 1;
  }
  return { runs, inComment };
};

/** The lines of `code` as runs with syntax roles; plain runs for a language it does not know. */
export const highlightCode = (code: string, lang: string): CodeRun[][] => {
  const lines = code.split("\n");
  const family = familyOf(lang);
  if (!family) return lines.map((line) => (line === "" ? [] : [{ text: line }]));
  let inComment = false;
  return lines.map((line) => {
    const result = highlightLine(line, family, inComment);
    inComment = result.inComment;
    return result.runs;
  });
};
