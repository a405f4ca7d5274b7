import { createInterface, type Interface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { HumanRenderer, PromptAnswer, PromptRequest } from "./human-renderer.js";

/**
 * The plain fallback under `--no-tui`: prompts on an output stream (stderr), answers read line
 * by line from an input stream (stdin, a pipe works too). An empty line takes the default; a
 * line reading `:cancel` cancels; end of input cancels.
 */
export interface StdinHumanOptions {
  /**
   * What the end of the input means for a prompt: `cancels` (default) or `waits` (another place
   * answers it, e.g. an AG-UI client, and a closed stdin says nothing).
   */
  endOfInput?: "cancels" | "waits";
}

export class StdinHuman implements HumanRenderer {
  readonly #output: Writable;
  readonly #input: Readable;
  readonly #endOfInput: "cancels" | "waits";
  #lines: Interface | undefined;
  #queue: string[] = [];
  #waiters: ((line: string | undefined) => void)[] = [];
  #ended = false;

  constructor(input: Readable, output: Writable, options: StdinHumanOptions = {}) {
    this.#input = input;
    this.#output = output;
    this.#endOfInput = options.endOfInput ?? "cancels";
  }

  #nextLine(signal: AbortSignal): Promise<string | undefined> {
    if (!this.#lines) {
      this.#lines = createInterface({ input: this.#input, crlfDelay: Infinity });
      this.#lines.on("line", (line) => {
        const waiter = this.#waiters.shift();
        if (waiter) waiter(line);
        else this.#queue.push(line);
      });
      this.#lines.on("close", () => {
        this.#ended = true;
        if (this.#endOfInput === "cancels") for (const waiter of this.#waiters.splice(0)) waiter(undefined);
      });
    }
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#ended && this.#endOfInput === "cancels") return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const waiter = (line: string | undefined) => {
        signal.removeEventListener("abort", onAbort);
        resolve(line);
      };
      // An aborted wait gives up its place: the next line is the next prompt's, not lost to this one.
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(signal.reason ?? new Error("aborted"));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  async ask(request: PromptRequest, signal: AbortSignal): Promise<PromptAnswer> {
    this.#output.write(`\n? ${request.message}\n`);
    request.options?.forEach((option, index) => this.#output.write(`  ${index + 1}) ${option.label}\n`));
    const hint = hintFor(request);
    this.#output.write(`${hint}> `);
    const line = await this.#nextLine(signal);
    if (line === undefined || line.trim() === ":cancel") return { cancelled: true };
    return { value: parseAnswer(request, line.trim()) };
  }

  reject(_promptId: string, reason: string): void {
    this.#output.write(`  not a valid answer: ${reason}\n`);
  }

  progress(promptId: string, value: number, total: number): void {
    this.#output.write(`  [${promptId}] ${value}/${total}\n`);
  }

  close(): void {
    this.#lines?.close();
  }
}

const hintFor = (request: PromptRequest): string => {
  switch (request.kind) {
    case "confirm":
      return "(y/n) ";
    case "select":
      return "(number or value) ";
    case "multi-select":
      return "(numbers or values, comma-separated) ";
    default:
      return request.default !== undefined ? `(default: ${String(request.default)}) ` : "";
  }
};

function parseAnswer(request: PromptRequest, line: string): unknown {
  if (line === "" && request.default !== undefined) return request.default;
  const option = (token: string): string => {
    const index = Number(token);
    const options = request.options ?? [];
    return Number.isInteger(index) && index >= 1 && index <= options.length ? options[index - 1]!.value : token;
  };
  switch (request.kind) {
    case "confirm":
      return /^(y|yes|true)$/i.test(line) ? true : /^(n|no|false)$/i.test(line) ? false : line;
    case "select":
      return option(line);
    case "multi-select":
      return line === "" ? [] : line.split(",").map((token) => option(token.trim()));
    default:
      return line;
  }
}
