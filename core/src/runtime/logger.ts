import type { SecretScrubber } from "./secret-scrubber.js";

export const logLevels = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof logLevels)[number];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogSink = (line: string) => void;

/** A leveled logger writing one line per message to a sink (stderr, or the session's escapement.log). */
export function createLogger(sink: LogSink, level: LogLevel = "info", now: () => number = Date.now): Logger {
  const threshold = logLevels.indexOf(level);
  const at = (lvl: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (logLevels.indexOf(lvl) < threshold) return;
    const extra = fields ? ` ${JSON.stringify(fields)}` : "";
    sink(`${new Date(now()).toISOString()} ${lvl.padEnd(5)} ${message}${extra}`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/**
 * `inner` with the scrubber's secrets replaced by `[redacted]` in every message and field, before
 * any sink sees them. `inner` itself when there is nothing to scrub or nowhere to write.
 */
export function scrubbingLogger(inner: Logger, scrubber: SecretScrubber): Logger {
  if (!scrubber.active || inner === silentLogger) return inner;
  const at =
    (level: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (fields === undefined) inner[level](scrubber.scrub(message));
      else inner[level](scrubber.scrub(message), scrubber.scrubJson(fields));
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
