/** Which lane of the LOG pane a transcript row belongs to. */

export const LANES = ["chart", "llm", "tool", "human", "debug", "error"] as const;
export type Lane = (typeof LANES)[number];

/** Events that report a failure even though their name does not end in "error". */
const FAILURE_EVENTS: ReadonlySet<string> = new Set(["llm/tool-validation-failed", "llm/model-down", "llm/loop-detected"]);

const field = (data: unknown, key: string): unknown => (typeof data === "object" && data !== null ? (data as Record<string, unknown>)[key] : undefined);

/** A row is error-ish when its name says so, or its data marks a failed result or run. */
export const isErrorish = (event: string, data: unknown): boolean =>
  event.endsWith("/error") || FAILURE_EVENTS.has(event) || field(data, "isError") === true || field(data, "status") === "error";

/** The lane of a row; error-ish rows go to the error lane whatever their namespace. */
export const laneOf = (event: string, data: unknown): Lane => {
  if (isErrorish(event, data)) return "error";
  // Tool calls, their results, and the permission policy's decisions on them.
  if (event.startsWith("llm/tool-") || event.startsWith("tool/")) return "tool";
  if (event.startsWith("llm/")) return "llm";
  if (event.startsWith("human-input/")) return "human";
  if (event.startsWith("debug/")) return "debug";
  // runner/*, checkpoint/*, artifact/*, session/* and namespaces a newer core may add.
  return "chart";
};
