import picomatch from "picomatch";
import { addressMatcher, isIpAddress } from "./address-class.js";
import type { TargetKind } from "./tool-targets.js";

/** One pattern of a rule, compiled for the kind of target its tool has. */
export interface RulePattern {
  /** How much of the pattern is literal: the most specific matching rule wins. */
  specificity: number;
  /** Paths: test a path relative to the work root (`inside`) or an absolute one. */
  path?: { absolute: boolean; test: (path: string) => boolean };
  /** Commands: test one simple command. */
  command?: (part: string) => boolean;
  /** URLs: test the host name, or the resolved addresses. */
  host?: { literal: boolean; test: (host: string) => boolean };
  address?: (address: string) => boolean;
}

/** A literal pattern beats every glob; among globs, the one with more literal characters. */
const literalBonus = 10_000;

export class RulePatternError extends Error {
  override readonly name = "RulePatternError";
}

const literalChars = (pattern: string): number => pattern.replace(/[*?[\]{}!()|+@]/g, "").length;

const strictGlob = (pattern: string, options: picomatch.PicomatchOptions): ((text: string) => boolean) => {
  try {
    picomatch.makeRe(pattern, { ...options, strictBrackets: true });
  } catch (error) {
    throw new RulePatternError(`malformed glob: ${(error as Error).message}`);
  }
  return picomatch(pattern, options);
};

/** Whether a pattern holds glob syntax; anything that looks like it must compile strictly. */
const isGlob = (pattern: string): boolean => {
  if (!/[*?[\]{}()!]/.test(pattern)) return false;
  strictGlob(pattern, {});
  return true;
};

/** Compiles `pattern` for a tool whose targets are of `kind`; throws RulePatternError with a reason a user can act on. */
export const compilePattern = (pattern: string, kind: TargetKind): RulePattern => {
  if (pattern === "*") return { specificity: 0 };
  if (pattern.includes("\0")) throw new RulePatternError("a pattern holds no NUL byte");
  switch (kind) {
    case "tool":
      throw new RulePatternError('this tool takes no patterns: give a decision, or {"*": decision}');
    case "path":
      return pathPattern(pattern);
    case "command":
      return commandPattern(pattern);
    case "url":
      return hostPattern(pattern);
  }
};

const pathPattern = (pattern: string): RulePattern => {
  const absolute = pattern.startsWith("/");
  const segments = pattern.split("/");
  if (!absolute && segments.includes("..")) {
    throw new RulePatternError("relative patterns are inside the work root; write paths outside it as absolute globs (/tmp/**)");
  }
  const cleaned = pattern.replace(/\/+$/, "") || "/";
  if (!isGlob(cleaned)) return literalPathPattern(cleaned);
  return { specificity: literalChars(cleaned), path: { absolute, test: strictGlob(cleaned, { dot: true }) } };
};

/**
 * A path taken as it is, never as a glob (a directory the runtime protects may hold `[` or `(`):
 * that file or directory and everything under it.
 */
export const literalPathPattern = (path: string): RulePattern => {
  const absolute = path.startsWith("/");
  const cleaned = path.replace(/\/+$/, "") || "/";
  const test = (target: string): boolean =>
    target === cleaned || target.startsWith(cleaned.endsWith("/") ? cleaned : `${cleaned}/`) || (cleaned === "." && !absolute);
  return { specificity: literalBonus + cleaned.length, path: { absolute, test } };
};

const commandPattern = (pattern: string): RulePattern => {
  const trimmed = pattern.trim();
  if (trimmed === "") throw new RulePatternError("a command pattern is not blank");
  if (!isGlob(trimmed)) {
    // A literal is a prefix of whole words: "git status" matches "git status -s", not "git statuses".
    return { specificity: literalChars(trimmed), command: (part) => part === trimmed || part.startsWith(`${trimmed} `) };
  }
  // bash: a single * matches across "/" too (commands are not paths).
  return { specificity: literalChars(trimmed), command: strictGlob(trimmed, { bash: true, dot: true }) };
};

const hostChars = /^[A-Za-z0-9.*?_\-[\]{},]+$/;

const hostPattern = (pattern: string): RulePattern => {
  const address = addressMatcher(pattern.replace(/^\[(.*)\]$/, "$1"));
  if (address) {
    const bits = pattern.includes("/") ? Number(pattern.slice(pattern.indexOf("/") + 1)) : 128;
    const host = pattern.replace(/^\[(.*)\]$/, "$1").toLowerCase();
    return { specificity: 100 + bits, address, ...(isIpAddress(host) ? { host: { literal: true, test: (h: string) => h === host } } : {}) };
  }
  if (!hostChars.test(pattern)) {
    throw new RulePatternError("a URL rule is a host pattern (example.com, *.example.com, localhost) or an address range (10.0.0.0/8, ::1)");
  }
  const lower = pattern.toLowerCase();
  if (!isGlob(lower)) return { specificity: literalBonus + lower.length, host: { literal: true, test: (host) => host === lower } };
  return { specificity: literalChars(lower), host: { literal: false, test: strictGlob(lower, { nocase: true, dot: true }) } };
};
