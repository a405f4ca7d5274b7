/**
 * The `ts` of a line `isPlainRowLine` vouched for: the number between `,"ts":` and the next comma.
 * Apart from the matcher (plain-row-line.ts), which loads only once a replay's `hello` has left.
 */
export function tsOfPlainRowLine(text: string): number {
  const start = text.indexOf(",", 7) + 6;
  return Number(text.slice(start, text.indexOf(",", start)));
}
