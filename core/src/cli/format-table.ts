/** Left-aligned columns separated by two spaces; numbers right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === "number"));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export const formatCost = (usd: number): string => (usd === 0 ? "-" : `$${usd.toFixed(usd < 0.01 ? 4 : 2)}`);

export const formatTime = (ms: number): string => new Date(ms).toISOString().replace("T", " ").slice(0, 19);
