import { LlmError, type LlmErrorCategory } from "../llm-error.js";
import type { ModelClient } from "../protocol.js";
import { ask, type AskOptions, type Prompt } from "./ask.js";
import { elect } from "./elect.js";
import { failureEnvelope, type ResultEnvelope } from "./envelope.js";

export interface MapResult<T> extends ResultEnvelope {
  index: number;
  item: T;
  /** The alias that served (or would have served) this item. */
  alias?: string;
  /** Not sent: the run was aborted, or no alias could be elected for any earlier item. */
  skipped?: boolean;
}

export interface MapPromptOptions<T> extends Omit<AskOptions, "model" | "models" | "onDelta" | "onEvent" | "origin"> {
  client: ModelClient;
  /** One alias (no election). */
  alias?: string;
  /** Candidate aliases in order: the first that answers the first item is pinned for the rest. */
  aliases?: string[];
  /** Calls in flight at most. Default 4. */
  concurrency?: number;
  /** The origin's stateId (scripted models match on it); each item's invokeId is `<prefix>-<index>`. Default "map". */
  prefix?: string;
  onEvent?: (event: string, data: Record<string, unknown>, index: number) => void;
  /** Called as each item settles (in completion order). */
  onResult?: (result: MapResult<T>) => void;
}

/** Failures that say nothing about the alias: keep electing on the next item. */
const itemSpecific: ReadonlySet<LlmErrorCategory> = new Set(["invalid-request", "context-length", "overrun", "tool-validation"]);

/**
 * Runs one prompt per item with bounded concurrency and returns one result per item, in input
 * order. Never rejects for a categorized model failure: each item carries its own status.
 *
 * With several aliases, the first item elects the model: it is tried on each alias in order, and
 * the first that answers is pinned for every other item (which then run concurrently). If no alias
 * answers the first item because of the item itself (invalid request, context length, overrun), the
 * next item elects; if they all failed for reasons of their own (auth, unknown alias, exhausted),
 * the remaining items are not sent (`skipped`) and carry that failure.
 */
export async function mapPrompt<T>(items: readonly T[], toPrompt: (item: T, index: number) => Prompt, options: MapPromptOptions<T>): Promise<MapResult<T>[]> {
  const { client, alias, aliases, concurrency = 4, prefix = "map", onEvent, onResult, ...askOptions } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`mapPrompt: concurrency must be a positive integer, got ${concurrency}`);
  const candidates = aliases ?? [alias ?? "default"];
  if (candidates.length === 0) throw new Error("mapPrompt: no aliases");
  const results: MapResult<T>[] = new Array(items.length);
  const signal = askOptions.signal;

  const settle = (index: number, envelope: ResultEnvelope, extra: Pick<MapResult<T>, "alias" | "skipped"> = {}): void => {
    const result: MapResult<T> = { index, item: items[index]!, ...envelope, ...extra };
    results[index] = result;
    onResult?.(result);
  };
  const optionsFor = (index: number): AskOptions => ({
    ...askOptions,
    origin: { invokeId: `${prefix}-${index}`, stateId: prefix, turn: 1 },
    ...(onEvent ? { onEvent: (event: string, data: Record<string, unknown>) => onEvent(event, data, index) } : {}),
  });

  let next = 0;
  let pinned: string | undefined = candidates.length === 1 ? candidates[0] : undefined;
  while (pinned === undefined && next < items.length && !signal?.aborted) {
    const index = next++;
    const election = await elect(client, candidates, toPrompt(items[index]!, index), optionsFor(index));
    if (election.status === "ok") {
      pinned = election.alias;
      settle(index, election.tried[election.tried.length - 1]!.envelope, { alias: pinned });
      break;
    }
    settle(index, election.tried[election.tried.length - 1]!.envelope);
    const itemsFault = election.tried.some((entry) => entry.envelope.error && itemSpecific.has(entry.envelope.error.category));
    if (!itemsFault) {
      const why = election.error;
      const skipped: ResultEnvelope = {
        status: election.status,
        error: { category: why.category, message: `not sent: no alias of ${candidates.join(", ")} answered item ${index} (${why.message})` },
      };
      while (next < items.length) settle(next++, skipped, { skipped: true });
    }
  }

  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      if (signal?.aborted) {
        settle(index, failureEnvelope(new LlmError("aborted", "not sent: the map was aborted")), { skipped: true });
        continue;
      }
      const envelope = await ask(client, toPrompt(items[index]!, index), { ...optionsFor(index), model: pinned! });
      settle(index, envelope, { alias: pinned! });
    }
  };
  if (pinned !== undefined) await Promise.all(Array.from({ length: Math.min(concurrency, items.length - next) }, worker));
  // Aborted during the election: everything not settled is skipped.
  for (let index = 0; index < items.length; index++) {
    if (results[index] === undefined) settle(index, failureEnvelope(new LlmError("aborted", "not sent: the map was aborted")), { skipped: true });
  }
  return results;
}
