/**
 * Errors of `.escapement.json`: every problem names the file and the key path inside it, e.g.
 * `.escapement.json: aliases.fast[0].provider: unknown provider "antropic" (known: anthropic, ...)`.
 */

export interface ConfigIssue {
  /** Key path inside the file, e.g. `aliases.fast[0].provider`, or `(root)`. */
  path: string;
  message: string;
  /** 1-based line and column, for JSON syntax errors. */
  line?: number;
  column?: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** The config file as shown to the user (relative to the working directory when shorter). */
  readonly file: string;
  readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[], options: { cause?: unknown } = {}) {
    super(issues.map((issue) => formatIssue(file, issue)).join("\n"), { cause: options.cause });
    this.file = file;
    this.issues = issues;
  }

  /** The key path of the first problem (what a test or a caller usually wants). */
  get path(): string {
    return this.issues[0]?.path ?? "(root)";
  }
}

export const isConfigError = (value: unknown): value is ConfigError => value instanceof ConfigError;

const formatIssue = (file: string, issue: ConfigIssue): string => {
  const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.path}: ${issue.message}`;
};

const plainKey = /^[A-Za-z_$][\w$-]*$/;

/** `["aliases", "fast", 0, "provider"]` -> `aliases.fast[0].provider`; odd keys are quoted. */
export const formatKeyPath = (path: readonly PropertyKey[]): string => {
  if (path.length === 0) return "(root)";
  return path
    .map((segment, index) => {
      if (typeof segment === "number") return `[${segment}]`;
      const key = String(segment);
      if (!plainKey.test(key)) return `[${JSON.stringify(key)}]`;
      return index === 0 ? key : `.${key}`;
    })
    .join("");
};

/** `(known: a, b, c)`, plus `; did you mean "x"?` when one candidate is close. */
export const knownList = (value: string, known: readonly string[], label = "known"): string => {
  if (known.length === 0) return "(none defined)";
  const guess = closest(value, known);
  return `(${label}: ${known.join(", ")})${guess === undefined ? "" : `; did you mean "${guess}"?`}`;
};

/** The candidate within edit distance 2 (or a third of its length) of `value`, if any. */
export const closest = (value: string, candidates: readonly string[]): string | undefined => {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(value.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined || (bestDistance === 0 && best === value)) return undefined;
  return bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
};

const editDistance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
};
