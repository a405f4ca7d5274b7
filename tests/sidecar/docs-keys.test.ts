/** docs/tui.md lists every key the TUI answers to, as its key map (the source of the `?` overlay) defines them. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");

interface Binding {
  context: string;
  does: string;
}

it("docs/tui.md has a row for every binding of tui/src/ui/key-map.ts, and no other", async () => {
  // Imported by URL so the Node-side typecheck does not follow into the Bun package's sources.
  const keyMap = (await import(pathToFileURL(join(repo, "tui/src/ui/key-map.ts")).href)) as {
    BINDINGS: readonly Binding[];
    CONTEXT_TITLES: Record<string, string>;
    bindingLabel: (binding: Binding) => string;
  };
  const contextName: Record<string, string> = { main: "panels", pager: "pager", prompt: "prompt", help: "help" };
  const expected = keyMap.BINDINGS.map(
    (binding) => `| ${contextName[binding.context] ?? binding.context} | ${keyMap.bindingLabel(binding)} | ${binding.does} |`,
  );
  const doc = readFileSync(join(repo, "docs/tui.md"), "utf8");
  const section = doc.slice(doc.indexOf("## Keys"), doc.indexOf("## The debugger"));
  const rows = section.split("\n").filter((line) => /^\| (panels|pager|prompt|help) \|/.test(line));
  expect(rows).toEqual(expected);
});
