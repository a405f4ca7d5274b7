import type { ModelRequest } from "./protocol.js";

// A conversation's requests share their messages and tool specs (objects the runtime never
// mutates), so their JSON text is kept per object: writing turn n does not serialize turns 1..n-1
// again.
const texts = new WeakMap<object, string>();

const sharedJson = (value: unknown): string => {
  const item = value as object;
  let text = texts.get(item);
  if (text === undefined) {
    text = JSON.stringify(item);
    texts.set(item, text);
  }
  return text;
};

/**
 * `JSON.stringify(value)` for an object whose listed array properties hold items whose text
 * `itemJson` gives: the other properties are serialized as JSON.stringify would, in order.
 */
export function jsonWithItems<T extends object>(value: T, itemArrays: readonly (keyof T & string)[], itemJson: (item: unknown) => string): string {
  let out = "{";
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    let text: string | undefined;
    if (itemArrays.includes(key as keyof T & string) && Array.isArray(field)) {
      text = "[";
      for (let index = 0; index < field.length; index++) text += `${index === 0 ? "" : ","}${itemJson(field[index])}`;
      text += "]";
    } else {
      text = JSON.stringify(field);
    }
    if (text === undefined) continue;
    out += `${out.length === 1 ? "" : ","}${JSON.stringify(key)}:${text}`;
  }
  return `${out}}`;
}

/** `JSON.stringify(request)`, reusing the text of messages and tool specs earlier requests shared. */
export const requestJson = (request: ModelRequest): string => jsonWithItems(request, ["messages", "tools"], sharedJson);
