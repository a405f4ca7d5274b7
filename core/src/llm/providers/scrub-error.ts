/**
 * Failures without secrets. A provider's error body may echo what it was sent, the API key
 * included (a 401 that repeats the bad key); the message built from that body (see classify.ts)
 * would carry it into the transcript, the cassette and every screen that shows the error.
 */
import { inspect } from "node:util";
import { SecretScrubber } from "../../runtime/secret-scrubber.js";
import { LlmError, isLlmError } from "../llm-error.js";
import type { TargetClient } from "../protocol.js";

/**
 * `error` without the scrubber's secrets: its message, detail and attempts scrubbed, and its
 * `cause` (the SDK's error, holding the raw response body and headers) dropped when that holds
 * one. The error itself when nothing in it does.
 */
export function scrubLlmError(error: LlmError, scrubber: SecretScrubber): LlmError {
  if (!scrubber.active) return error;
  const message = scrubber.scrub(error.message);
  const detail = error.detail === undefined ? undefined : scrubber.scrubJson(error.detail);
  const attempts = error.attempts === undefined ? undefined : scrubber.scrubJson(error.attempts);
  const causeLeaks = error.cause !== undefined && scrubber.finds(inspect(error.cause, causeInspection));
  if (message === error.message && detail === error.detail && attempts === error.attempts && !causeLeaks) return error;
  return new LlmError(error.category, message, {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    ...(detail === undefined ? {} : { detail }),
    ...(attempts === undefined ? {} : { attempts }),
    ...(causeLeaks ? {} : { cause: error.cause }),
  });
}

/** Everything in a cause, however long or deep: a secret past a cut would go unseen. */
const causeInspection = { depth: 8, maxStringLength: Infinity, maxArrayLength: Infinity, breakLength: Infinity, customInspect: false } as const;

/**
 * `client` whose failures never carry `key`, the one it sends: the provider layer scrubs its own
 * key at the source, whoever uses the client (a run, `escapement refine`, a host's router).
 * Errors that are not the provider's (`LlmError`s) pass as they are. `client` itself without a key.
 */
export function keyScrubbedClient(client: TargetClient, key: string | undefined): TargetClient {
  const scrubber = SecretScrubber.of([key]);
  if (!scrubber.active) return client;
  return {
    target: client.target,
    call: (request, options) =>
      client.call(request, options).catch((error: unknown) => {
        throw isLlmError(error) ? scrubLlmError(error, scrubber) : error;
      }),
  };
}
