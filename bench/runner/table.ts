/** A plain fixed-width table for bench output. */
export function table(header: string[], rows: string[][], align: ("l" | "r")[] = []): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => ((align[column] ?? "l") === "r" ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

export const int = (value: number): string => Math.round(value).toLocaleString("en-US");
export const ratio = (value: number): string => `${value.toFixed(2)}x`;
export const mib = (bytes: number): string => `${int(bytes / 2 ** 20)} MiB`;
export const verdict = (ok: boolean): string => (ok ? "PASS" : "MISS");
