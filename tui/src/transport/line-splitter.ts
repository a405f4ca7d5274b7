/** Splits a stream of text chunks into lines ("\n" or "\r\n"), holding back a partial last line. */
export interface LineSplitter {
  /** The lines completed by this chunk. */
  push(chunk: string): string[];
  /** The final line when the input did not end with a newline. */
  end(): string[];
}

export const createLineSplitter = (): LineSplitter => {
  let rest = "";
  const strip = (line: string): string => (line.endsWith("\r") ? line.slice(0, -1) : line);
  return {
    push(chunk) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      return parts.map(strip);
    },
    end() {
      const last = strip(rest);
      rest = "";
      return last === "" ? [] : [last];
    },
  };
};
