import { Buffer } from "node:buffer";

/**
 * `text` as one flat string. A string built piece by piece (`path.join` normalises a path segment
 * by segment) is held as a rope: a tree of a dozen string objects, four or five times the size of
 * the text. For a string a session keeps to its end, a flat copy is worth its one copy.
 */
export const flatString = (text: string): string => {
  const copy = Buffer.from(text, "utf8").toString("utf8");
  // A lone surrogate does not survive UTF-8: such a text stays as it is.
  return copy === text ? copy : text;
};
