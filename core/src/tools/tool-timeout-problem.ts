/** setTimeout fires at once beyond this (2^31 - 1 ms, about 24.8 days). */
export const maxToolTimeoutMs = 2_147_483_647;

/** Why a tool timeout is unusable (0, negative, fractional, too long), or undefined when it is fine. `where` names the setting. */
export function toolTimeoutProblem(value: unknown, where: string): string | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= maxToolTimeoutMs) return undefined;
  return `${where}: a tool timeout must be a whole number of milliseconds from 1 to ${maxToolTimeoutMs}, got ${JSON.stringify(value)}`;
}
