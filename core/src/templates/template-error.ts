export const templateErrorCategories = ["unresolved", "missing-artifact", "unreadable"] as const;

export type TemplateErrorCategory = (typeof templateErrorCategories)[number];

export class TemplateError extends Error {
  override readonly name = "TemplateError";
  readonly category: TemplateErrorCategory;
  /** File path of the template, or "inline". */
  readonly source: string;
  /** Placeholder names that could not be resolved, in order of first use. */
  readonly missing: readonly string[];
  /** Artifact names that did exist, for "missing-artifact". */
  readonly available: readonly string[] | undefined;

  constructor(
    category: TemplateErrorCategory,
    message: string,
    options: { source: string; missing?: readonly string[]; available?: readonly string[]; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.category = category;
    this.source = options.source;
    this.missing = options.missing ?? [];
    this.available = options.available;
  }
}
