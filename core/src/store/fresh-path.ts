/** `<prefix><suffix>`, or `<prefix>-2<suffix>`, `-3`, ... when `taken` says the name is in use. */
export function freshPath(prefix: string, suffix: string, taken: (path: string) => boolean): string {
  if (!taken(`${prefix}${suffix}`)) return `${prefix}${suffix}`;
  for (let n = 2; ; n++) if (!taken(`${prefix}-${n}${suffix}`)) return `${prefix}-${n}${suffix}`;
}
