import { readFile } from "node:fs/promises";
import { renderTemplate } from "./render-template.js";
import { TemplateError } from "./template-error.js";

/** Reads a prompt file and renders its `{{VAR}}` placeholders; errors name the file. */
export const loadPromptTemplate = async (path: string, vars: Readonly<Record<string, string>> = {}): Promise<string> => {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TemplateError("unreadable", `cannot read prompt template ${path}: ${reason}`, {
      source: path,
      cause: error,
    });
  }
  return renderTemplate(text, vars, { source: path });
};
