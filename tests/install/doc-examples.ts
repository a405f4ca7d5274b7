/**
 * The code blocks of docs/*.md that claim to run. A fenced block right after
 * `<!-- example: NAME [after OTHER] [with OTHER] -->` is (part of) the file NAME: blocks with the
 * same NAME join in page order; `after OTHER` puts example OTHER's text first (an example that
 * continues another); `with OTHER` names an example written beside it (a config file it reads).
 * `<!-- output: NAME -->` before a block gives what NAME prints.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface DocExample {
  name: string;
  /** The page it is on, relative to the repository (e.g. docs/guide.md). */
  page: string;
  text: string;
  after?: string;
  with: string[];
  output?: string;
}

const marker = /<!-- (example|output): (\S+)((?: (?:after|with) \S+)*) -->\n```[a-z]*\n([\s\S]*?)```/g;

/** Every example of every page under `docsDir`, by name. */
export function docExamples(repo: string, docsDir = "docs"): Map<string, DocExample> {
  const examples = new Map<string, DocExample>();
  for (const file of readdirSync(join(repo, docsDir))
    .filter((name) => name.endsWith(".md"))
    .sort()) {
    const page = `${docsDir}/${file}`;
    const source = readFileSync(join(repo, page), "utf8");
    for (const match of source.matchAll(marker)) {
      const [, kind, name, options = "", body = ""] = match as unknown as [string, string, string, string, string];
      const words = options.trim().split(/\s+/).filter(Boolean);
      const option = (key: string) => words.flatMap((word, index) => (word === key && words[index + 1] ? [words[index + 1]!] : []));
      const example = examples.get(name!) ?? { name: name!, page, text: "", with: [] };
      if (kind === "output") {
        example.output = (example.output ?? "") + body;
      } else {
        example.text += body;
        example.after ??= option("after")[0];
        example.with.push(...option("with"));
      }
      examples.set(name!, example);
    }
  }
  return examples;
}

/** The example's whole text: what it continues, then its own blocks. */
export function fullText(examples: Map<string, DocExample>, example: DocExample): string {
  const before = example.after ? examples.get(example.after) : undefined;
  return before ? `${fullText(examples, before)}\n${example.text}` : example.text;
}
