import { parse } from "shell-quote";

/** The simple commands of a command line, for matching command patterns. */
export interface CommandParts {
  /** Each simple command's words joined by one space, redirections left out. */
  parts: string[];
  /**
   * The line hides commands a pattern cannot see (`$(...)`, backticks, process substitution,
   * several lines): only rules without a pattern apply to it.
   */
  opaque: boolean;
}

const separators = new Set(["&&", "||", ";", ";;", "|", "|&", "&", "(", ")"]);
const opaqueSyntax = /\$\(|`|<\(|>\(|[\r\n]/;

/** Splits `git add . && npm test > log` into `git add .` and `npm test`. */
export const commandParts = (command: string): CommandParts => {
  if (opaqueSyntax.test(command)) return { parts: [command.trim()], opaque: true };
  const parts: string[] = [];
  let words: string[] = [];
  let redirected = false;
  const end = (): void => {
    if (words.length > 0) parts.push(words.join(" "));
    words = [];
    redirected = false;
  };
  // Variables stay as written: a pattern sees `$HOME`, not this process's value.
  for (const token of parse(command, (name) => `$${name}`)) {
    if (typeof token === "string") {
      if (redirected) redirected = false;
      else words.push(token);
      continue;
    }
    if ("comment" in token) break;
    if (token.op === "glob") {
      if (redirected) redirected = false;
      else words.push(token.pattern);
    } else if (separators.has(token.op)) end();
    // A redirection (`>`, `>>`, `<`, `>&`, `<<`, ...): its target is not part of the command.
    else redirected = true;
  }
  end();
  return { parts: parts.length > 0 ? parts : [command.trim()], opaque: false };
};
