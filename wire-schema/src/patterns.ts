/** The string patterns of the wire schemas, and what each means in an error message. */
import { VERSION_PATTERN } from "./version.js";

/** Relative path without a leading "/" or any ".." segment. */
export const REF_PATTERN = "^(?!/)(?!.*(?:^|/)\\.\\.(?:/|$))[^\\0]+$";
export const SINGLE_LINE_PATTERN = "^[^\\n\\r]*$";
/** `runner/started`, `llm/delta`, `human-input/requested`: lowercase segments joined by "/". */
export const EVENT_NAME_PATTERN = "^[a-z][a-z0-9-]*(/[a-z0-9][a-z0-9.-]*)+$";

// zod emits RegExp#source, which escapes "/"; hints are keyed the same way.
const emitted = (pattern: string): string => new RegExp(pattern).source;

/** What each pattern means, for error messages ("must match pattern ..." helps nobody). */
export const PATTERN_HINTS: Readonly<Record<string, string>> = {
  [emitted(REF_PATTERN)]: "must be a path relative to the session directory (no leading /, no ..)",
  [emitted(SINGLE_LINE_PATTERN)]: "must be a single line",
  [emitted(EVENT_NAME_PATTERN)]: "must be an event name like llm/delta",
  [emitted(VERSION_PATTERN)]: "must be a semver version of this major, e.g. 1.0.0",
};
