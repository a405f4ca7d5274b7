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

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
