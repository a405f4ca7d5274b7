/**
 * `{{NAME}}` placeholders: `{{ NAME }}` may pad the name with spaces or tabs, and `\{{` is a
 * literal `{{`. Text between braces that is not a valid name is left as it is.
 */
import { TemplateError } from "./template-error.js";

/** Regex source of a variable name. */
export const variableNamePattern = "[A-Za-z_][A-Za-z0-9_]*";

const placeholders = (namePattern: string): RegExp => new RegExp(String.raw`\\\{\{|\{\{[ \t]*(${namePattern})[ \t]*\}\}`, "g");

/** Names of the placeholders in `text`, each once, in order of first use. */
export const placeholderNames = (text: string, namePattern = variableNamePattern): string[] => {
  const names = new Set<string>();
  for (const match of text.matchAll(placeholders(namePattern))) {
    if (match[1] !== undefined) names.add(match[1]);
  }
  return [...names];
};

/** Replaces every placeholder `lookup` resolves; reports the names it could not, in order of first use. */
export const fillPlaceholders = (
  text: string,
  lookup: (name: string) => string | undefined,
  namePattern = variableNamePattern,
): { text: string; missing: string[] } => {
  const missing = new Set<string>();
  const filled = text.replace(placeholders(namePattern), (match, name: string | undefined) => {
    if (name === undefined) return "{{";
    const value = lookup(name);
    if (value === undefined) {
      missing.add(name);
      return match;
    }
    return value;
  });
  return { text: filled, missing: [...missing] };
};

export const listPlaceholders = (names: readonly string[]): string => names.map((name) => `{{${name}}}`).join(", ");

/** Renders `{{NAME}}` from `vars`; throws `TemplateError` listing every unresolved name. */
export const renderTemplate = (text: string, vars: Readonly<Record<string, string>>, options: { source?: string } = {}): string => {
  const source = options.source ?? "inline";
  const result = fillPlaceholders(text, (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined));
  if (result.missing.length > 0) {
    throw new TemplateError("unresolved", `unresolved template placeholders in ${source}: ${listPlaceholders(result.missing)}`, {
      source,
      missing: result.missing,
    });
  }
  return result.text;
};
