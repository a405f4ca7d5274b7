import { randomUUID } from "node:crypto";
import { open, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { isErrnoError } from "./fs-error.js";
import { abortedResult, toolFailure } from "./tool-failure.js";
import { defineTool, type Tool, type ToolResult } from "./tool.js";

export const WebFetchInput = z.object({
  url: z.url({ protocol: /^https?$/ }).describe("http or https URL to GET."),
});
export type WebFetchInput = z.infer<typeof WebFetchInput>;

export interface WebFetchOptions {
  /** Where response bodies are saved (default `os.tmpdir()/escapement-fetch`). */
  tempDir?: string;
  /** Larger bodies are not kept (default 10 MiB). */
  maxBytes?: number;
  /** Bytes of a text body shown in the result (default 2000). */
  previewBytes?: number;
  /** Whole request, body included (default 120000 ms). */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  /** Name of each saved body inside `tempDir` (default a random UUID). */
  newFileName?: () => string;
}

interface ResponseFacts {
  url: string;
  finalUrl: string;
  status: number;
  statusText: string;
  contentType: string | null;
}

interface SavedBody {
  bytes: number;
  overflow: boolean;
  head: Buffer;
}

const textType = /^text\/|[/+](json|xml|javascript|ecmascript|yaml|x-www-form-urlencoded)\b/i;

export const createWebFetchTool = (options: WebFetchOptions = {}): Tool<WebFetchInput> => {
  const tempDir = options.tempDir ?? join(tmpdir(), "escapement-fetch");
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const previewBytes = options.previewBytes ?? 2000;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const fetchUrl = options.fetch ?? globalThis.fetch;
  const newFileName = options.newFileName ?? randomUUID;

  return defineTool<WebFetchInput>({
    name: "web_fetch",
    description:
      "GET a URL and save the response body to a local file. Returns the status, content type, size, the " +
      `file's path (read it with fs_read or fs_grep) and, for text, a short preview. Bodies over ${maxBytes} bytes are not kept.`,
    input: WebFetchInput,
    async execute({ url }, { signal }) {
      if (signal.aborted) return abortedResult({ url });
      const timeout = AbortSignal.timeout(timeoutMs);
      const stopped = (): ToolResult | undefined => {
        if (signal.aborted) return abortedResult({ url });
        if (timeout.aborted) return toolFailure(`GET ${url} timed out after ${timeoutMs} ms.`, { url, timedOut: true });
        return undefined;
      };
      let response: Response;
      try {
        response = await fetchUrl(url, { signal: AbortSignal.any([signal, timeout]), redirect: "follow" });
      } catch (error) {
        return stopped() ?? requestFailure(error, url);
      }
      const facts = factsOf(url, response);
      const declared = Number(response.headers.get("content-length") ?? Number.NaN);
      if (declared > maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        return tooLarge(facts, maxBytes, `it declares ${declared} bytes`);
      }
      await mkdir(tempDir, { recursive: true });
      const path = join(tempDir, newFileName());
      let saved: SavedBody;
      try {
        saved = await streamToFile(response.body, path, maxBytes, previewBytes);
      } catch (error) {
        await rm(path, { force: true });
        return stopped() ?? requestFailure(error, url);
      }
      if (saved.overflow) {
        await rm(path, { force: true });
        return tooLarge(facts, maxBytes, `the download passed ${maxBytes} bytes and was stopped`);
      }
      return present(facts, saved, path, previewBytes);
    },
  });
};

export const webFetchTool = createWebFetchTool();

const factsOf = (url: string, response: Response): ResponseFacts => ({
  url,
  finalUrl: response.url || url,
  status: response.status,
  statusText: response.statusText,
  contentType: response.headers.get("content-type"),
});

/** Writes the body chunk by chunk as it arrives; memory holds one chunk plus the preview. */
const streamToFile = async (body: ReadableStream<Uint8Array> | null, path: string, maxBytes: number, previewBytes: number): Promise<SavedBody> => {
  const handle = await open(path, "wx");
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let bytes = 0;
  try {
    for await (const chunk of body ?? []) {
      bytes += chunk.byteLength;
      // Leaving the loop cancels the body stream, which closes the connection.
      if (bytes > maxBytes) return { bytes, overflow: true, head: Buffer.alloc(0) };
      if (headBytes < previewBytes) {
        const part = chunk.subarray(0, previewBytes - headBytes);
        head.push(part);
        headBytes += part.byteLength;
      }
      await handle.write(chunk);
    }
  } finally {
    await handle.close();
  }
  return { bytes, overflow: false, head: Buffer.concat(head) };
};

const requestFailure = (error: unknown, url: string): ToolResult => {
  if (error instanceof TypeError || isErrnoError(error)) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return toolFailure(`GET ${url} failed: ${error.message}${cause}`, { url });
  }
  throw error;
};

const tooLarge = (facts: ResponseFacts, maxBytes: number, why: string): ToolResult =>
  toolFailure(`GET ${facts.url} -> ${facts.status}: body not kept because ${why} (cap ${maxBytes} bytes).`, {
    ...facts,
    tooLarge: true,
    maxBytes,
  });

const present = (facts: ResponseFacts, saved: SavedBody, path: string, previewBytes: number): ToolResult => {
  const isText = facts.contentType !== null && textType.test(facts.contentType);
  const lines = [
    `GET ${facts.url} -> ${facts.status} ${facts.statusText}`.trimEnd(),
    ...(facts.finalUrl !== facts.url ? [`final url: ${facts.finalUrl}`] : []),
    `content-type: ${facts.contentType ?? "(none)"}`,
    `bytes: ${saved.bytes}`,
    `saved to: ${path}`,
  ];
  if (isText && saved.bytes > 0) {
    const more = saved.bytes > previewBytes ? ` (first ${previewBytes} of ${saved.bytes} bytes)` : "";
    lines.push(`preview${more}:`, decodePreview(saved.head));
  }
  return {
    output: lines.join("\n"),
    isError: facts.status >= 400,
    meta: { ...facts, bytes: saved.bytes, path },
  };
};

/** UTF-8 preview; a multi-byte character cut by the preview limit is dropped, not mangled. */
const decodePreview = (head: Buffer): string => new TextDecoder("utf-8").decode(head).replace(/\uFFFD+$/, "");
