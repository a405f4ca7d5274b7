/**
 * Checks a scripted step's `expect` against the request it is about to answer.
 */
import type { ModelRequest } from "./protocol.js";
import { lastUserText } from "./request-summary.js";
import type { RequestExpectation, RequestMatcher } from "./script.js";

const show = (value: unknown): string => JSON.stringify(value);

const matcherFailures = (request: ModelRequest, matcher: RequestMatcher): string[] => {
  const failures: string[] = [];
  const same = (field: string, actual: unknown, expected: unknown): void => {
    if (expected !== undefined && actual !== expected) {
      failures.push(`${field} is ${show(actual)}, expected ${show(expected)}`);
    }
  };
  same("model", request.model, matcher.model);
  same("stateId", request.origin.stateId, matcher.stateId);
  same("turn", request.origin.turn, matcher.turn);
  same("stream", request.stream, matcher.stream);
  if (matcher.lastUserIncludes !== undefined) {
    const text = lastUserText(request);
    if (text === undefined) failures.push(`no user message to include ${show(matcher.lastUserIncludes)}`);
    else if (!text.includes(matcher.lastUserIncludes)) {
      failures.push(`last user message does not include ${show(matcher.lastUserIncludes)}`);
    }
  }
  if (matcher.systemIncludes !== undefined && !(request.system ?? "").includes(matcher.systemIncludes)) {
    failures.push(`system prompt does not include ${show(matcher.systemIncludes)}`);
  }
  if (matcher.toolsInclude !== undefined) {
    const offered = request.tools.map((tool) => tool.name);
    const lacking = matcher.toolsInclude.filter((name) => !offered.includes(name));
    if (lacking.length > 0) failures.push(`tools offered [${offered.join(", ")}] lack [${lacking.join(", ")}]`);
  }
  return failures;
};

/** Why the request does not meet the expectation; empty when it does. */
export const expectationFailures = (request: ModelRequest, expectation: RequestExpectation): string[] => {
  if (typeof expectation !== "function") return matcherFailures(request, expectation);
  try {
    return expectation(request) ? [] : ["the expect predicate returned false"];
  } catch (error) {
    return [`the expect predicate threw: ${error instanceof Error ? error.message : String(error)}`];
  }
};
