/**
 * A run answered from a recording (a cassette, a script) with `--param`s the recording never saw
 * does not do what the params ask: its calls differ from the recorded ones, and what answers them
 * is a fallback. One notice line on stderr names the params and the fallback, so a greeting of
 * "world" after `--param name=Grace` is not a surprise.
 */

/** Where a run's model answers come from, as far as params are concerned (see model-for-chart.ts for the precedence). */
export type AnswerSource =
  /** A live provider, or a replay that forks to one: params reach a real model. */
  | { kind: "live" }
  /** A script: fixed answers, whatever the input. */
  | { kind: "script"; path: string }
  /**
   * A cassette: `requests` are its recorded requests (as JSON). A call it does not hold is
   * answered by `fallback` (a script), or stops the run (`stop`).
   */
  | { kind: "cassette"; path: string; requests: readonly string[]; fallback: { script: string } | "stop" };

/** Whether a recorded request holds the param's value (a recording made with it). */
const seenIn = (requests: readonly string[], value: unknown): boolean => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text === undefined || text === "") return true;
  // Requests are JSON: a string value appears JSON-escaped.
  const escaped = JSON.stringify(text).slice(1, -1);
  return requests.some((request) => request.includes(escaped));
};

const flagList = (keys: readonly string[]): string => `--param ${keys.join(", ")}`;

/** The notice for `params` (key, value; in command-line order), or undefined when the recording saw them all or a model answers. */
export function paramNotice(params: ReadonlyArray<readonly [string, unknown]>, source: AnswerSource): string | undefined {
  if (params.length === 0 || source.kind === "live") return undefined;
  const keys = [...new Set(params.map(([key]) => key))];
  if (source.kind === "script") return `notice: ${source.path} was recorded without ${flagList(keys)}; the recorded answers are used`;
  const unseen = [...new Set(params.filter(([, value]) => !seenIn(source.requests, value)).map(([key]) => key))];
  if (unseen.length === 0) return undefined;
  return source.fallback === "stop"
    ? `notice: ${source.path} was recorded without ${flagList(unseen)}; the first call it does not hold stops the run (--fork goes live there)`
    : `notice: ${source.path} was recorded without ${flagList(unseen)}; calls it does not hold get the recorded answers of ${source.fallback.script}`;
}
