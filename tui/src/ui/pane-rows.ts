/**
 * How the rows under LIVE's top are shared when a prompt is open: LIVE, the prompt, LOG. Each
 * keeps a minimum where the terminal allows (LIVE and LOG one row of content each, the prompt two
 * options or lines); what is left goes to the prompt up to what it wants, then to LIVE up to its
 * usual height, then to LOG.
 */

/** LIVE and LOG at their smallest: a border and one row. */
export const PANEL_MIN = 3;
/** A prompt at its smallest: a border, one message line, two options, the status line. */
export const PROMPT_MIN = 6;

export interface StackRows {
  readonly live: number;
  readonly prompt: number;
  /** 0 when LOG does not fit. */
  readonly log: number;
}

/**
 * `body` rows between the header and the footer, LIVE's usual height `live`, and the rows an open
 * prompt wants (undefined: no prompt).
 */
export const stackRows = (body: number, live: number, promptWanted: number | undefined): StackRows => {
  if (promptWanted === undefined) return { live, prompt: 0, log: Math.max(0, body - live) };
  const floor = Math.min(promptWanted, PROMPT_MIN);
  const prompt = Math.max(floor, Math.min(promptWanted, body - 2 * PANEL_MIN));
  const rest = body - prompt;
  if (rest < PANEL_MIN) return { live: PANEL_MIN, prompt: body - PANEL_MIN, log: 0 };
  if (rest < 2 * PANEL_MIN) return { live: rest, prompt, log: 0 };
  const liveRows = Math.min(live, rest - PANEL_MIN);
  return { live: liveRows, prompt, log: rest - liveRows };
};
