/**
 * The order in which aliases are preferred: the config's `preferences` (else every alias, in config
 * order), optionally ranked by one of the config's `ratings`.
 */

export type Ratings = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface AliasPreferences {
  /** Every alias served, in config order. */
  aliases: readonly string[];
  /** Aliases in order of preference; empty: every alias, in config order. */
  preferences?: readonly string[];
  ratings?: Ratings;
}

export interface PreferredOptions {
  /**
   * A rating key (e.g. "quality"): candidates with a numeric score under it come first, highest
   * first; ties, and candidates without one, keep their preference order.
   */
  rankBy?: string;
}

/** The candidate aliases in order of preference. */
export function preferredAliases(source: AliasPreferences, options: PreferredOptions = {}): string[] {
  const base = source.preferences && source.preferences.length > 0 ? [...source.preferences] : [...source.aliases];
  const { rankBy } = options;
  if (rankBy === undefined) return base;
  const score = (alias: string): number | undefined => {
    const value = source.ratings?.[alias]?.[rankBy];
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
  };
  return base
    .map((alias, index) => ({ alias, index, score: score(alias) }))
    .sort((a, b) => {
      if (a.score !== undefined && b.score !== undefined && a.score !== b.score) return b.score - a.score;
      if ((a.score === undefined) !== (b.score === undefined)) return a.score === undefined ? 1 : -1;
      return a.index - b.index;
    })
    .map((entry) => entry.alias);
}

/** The preferences a client carries, when it is a model router (duck-typed: wrappers carry none). */
export function preferencesOf(client: object): AliasPreferences | undefined {
  const candidate = client as Partial<Record<"aliases" | "preferences" | "ratings", unknown>>;
  if (!Array.isArray(candidate.aliases)) return undefined;
  return {
    aliases: candidate.aliases as string[],
    ...(Array.isArray(candidate.preferences) ? { preferences: candidate.preferences as string[] } : {}),
    ...(typeof candidate.ratings === "object" && candidate.ratings !== null ? { ratings: candidate.ratings as Ratings } : {}),
  };
}
