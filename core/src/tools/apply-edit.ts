export interface Edit {
  old_string: string;
  new_string: string;
  replace_all?: boolean | undefined;
}

export type EditOutcome =
  | { ok: true; content: string; replacements: number }
  | { ok: false; reason: "empty" | "not-found" | "ambiguous" | "no-op"; occurrences: number; message: string };

/** Applies one exact-string edit to `content`. Pure: the caller decides what to write. */
export const applyEdit = (content: string, edit: Edit): EditOutcome => {
  const { old_string: oldText, new_string: newText } = edit;
  if (oldText === "") {
    return { ok: false, reason: "empty", occurrences: 0, message: "old_string is empty; use fs_write to create or replace a whole file." };
  }
  if (oldText === newText) {
    return { ok: false, reason: "no-op", occurrences: 0, message: "old_string and new_string are identical; nothing would change." };
  }
  const occurrences = countOccurrences(content, oldText);
  if (occurrences === 0) {
    return {
      ok: false,
      reason: "not-found",
      occurrences,
      message: "old_string was not found. It must match the file exactly, including whitespace and indentation.",
    };
  }
  if (occurrences > 1 && !edit.replace_all) {
    return {
      ok: false,
      reason: "ambiguous",
      occurrences,
      message: `old_string occurs ${occurrences} times; include more surrounding context to make it unique, or set replace_all: true to replace every occurrence.`,
    };
  }
  // split/join and slicing keep new_string literal ("$&" in String.replace would be special).
  if (edit.replace_all) return { ok: true, content: content.split(oldText).join(newText), replacements: occurrences };
  const at = content.indexOf(oldText);
  return { ok: true, content: content.slice(0, at) + newText + content.slice(at + oldText.length), replacements: 1 };
};

/** Non-overlapping occurrences, left to right (the same ones split() replaces). */
const countOccurrences = (content: string, needle: string): number => {
  let count = 0;
  for (let at = content.indexOf(needle); at !== -1; at = content.indexOf(needle, at + needle.length)) count++;
  return count;
};
