import { randomUUID } from "node:crypto";
import { open, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { Permit, PermitFn } from "../permissions/permission-target.js";
import { isErrnoError } from "./fs-error.js";
import { permitOf } from "./permit-of.js";
import { abortedResult, toolFailure } from "./tool-failure.js";
import { defineTool, type Tool, type ToolResult } from "./tool.js";
import { hostOf, resolveHost, systemLookup, type HostLookup } from "./web-host.js";
import { PausableTimeout } from "./web-pausable-timeout.js";
import { pinnedGet, type PinnedResponse } from "./web-pinned-request.js";

export const WebFetchInput = z.object({
  url: z.url({ protocol: /^https?$/ }).describe("http or https URL to GET."),
});
export type WebFetchInput = z.infer<typeof WebFetchInput>;

export interface WebFetchOptions {
  /** Where response bodies are saved (default: the run's download directory, else `os.tmpdir()/escapement-fetch`). */
  tempDir?: string;
  /** Larger bodies are not kept (default 10 MiB). */
  maxBytes?: number;
  /** Bytes of a text body shown in the result (default 2000). */
  previewBytes?: number;
  /** The whole request, redirects and body included, not counting waits for a permission answer (default 120000 ms). */
  timeoutMs?: number;
  /** Redirects followed before giving up (default 10). */
  maxRedirects?: number;
  /** Resolves each host before its permission check (default the system resolver). */
  lookup?: HostLookup;
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

/** The response that ended the redirect chain, or why there is none. */
type Reached = { response: PinnedResponse; finalUrl: string } | { result: ToolResult };

const textType = /^text\/|[/+](json|xml|javascript|ecmascript|yaml|x-www-form-urlencoded)\b/i;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

export const createWebFetchTool = (options: WebFetchOptions = {}): Tool<WebFetchInput> => {
  const fallbackDir = join(tmpdir(), "escapement-fetch");
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const previewBytes = options.previewBytes ?? 2000;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxRedirects = options.maxRedirects ?? 10;
  const lookup = options.lookup ?? systemLookup;
  const newFileName = options.newFileName ?? randomUUID;

  /**
   * Requests `url` and follows its redirects. Every hop is resolved, then permitted with the
   * addresses it resolved to, then requested from those addresses only; a refused hop is not requested.
   */
  const follow = async (url: string, permit: PermitFn, signal: AbortSignal, timeout: PausableTimeout): Promise<Reached> => {
    const both = AbortSignal.any([signal, timeout.signal]);
    let target = new URL(url);
    let from: string | undefined;
    for (let hop = 1; ; hop++) {
      const unfit = unfitUrl(target);
      if (unfit !== undefined) {
        const where = from === undefined ? "" : ` (redirected from ${from})`;
        return { result: toolFailure(`GET ${url} failed: ${target.href}${where} ${unfit}.`, { url, hop, hopUrl: target.href }) };
      }
      target.hash = "";
      const hopUrl = target.href;
      const host = hostOf(target);
      timeout.run();
      const addresses = await untilAborted(resolveHost(host, lookup), both);
      // A permission answer may wait for a human: that time is not the request's.
      timeout.pause();
      const answer = await untilAborted(permit({ kind: "url", url: hopUrl, host, addresses }), signal);
      if (!answer.allowed) return { result: denied(url, hopUrl, hop, from, answer) };
      timeout.run();
      const response = await pinnedGet(target, host, addresses, both);
      const location = response.headers.location;
      if (!redirectStatuses.has(response.status) || location === undefined) return { response, finalUrl: hop === 1 ? url : hopUrl };
      response.body.destroy();
      if (hop > maxRedirects) {
        return {
          result: toolFailure(`GET ${url} failed: more than ${maxRedirects} redirects (the last, from ${hopUrl}, went to ${location}).`, {
            url,
            hopUrl,
            tooManyRedirects: true,
            maxRedirects,
          }),
        };
      }
      const next = URL.canParse(location, target.href) ? new URL(location, target) : null;
      if (next === null) {
        return { result: toolFailure(`GET ${url} failed: ${hopUrl} redirected to ${location}, which is not a URL.`, { url, hop, hopUrl, location }) };
      }
      from = hopUrl;
      target = next;
    }
  };

  return defineTool<WebFetchInput>({
    name: "web_fetch",
    description:
      "GET a URL and save the response body to a local file. Returns the status, content type, size, the " +
      `file's path (read it with fs_read or fs_grep) and, for text, a short preview. Bodies over ${maxBytes} bytes are not kept.`,
    input: WebFetchInput,
    checksPermissions: true,
    idempotent: true,
    parallel: true,
    async execute({ url }, context) {
      const { signal } = context;
      if (signal.aborted) return abortedResult({ url });
      const timeout = new PausableTimeout(timeoutMs);
      const stopped = (): ToolResult | undefined => {
        if (signal.aborted) return abortedResult({ url });
        if (timeout.signal.aborted) return toolFailure(`GET ${url} timed out after ${timeoutMs} ms.`, { url, timedOut: true });
        return undefined;
      };
      try {
        let reached: Reached;
        try {
          reached = await follow(url, permitOf(context, "web_fetch"), signal, timeout);
        } catch (error) {
          return stopped() ?? requestFailure(error, url);
        }
        if ("result" in reached) return reached.result;
        const { response } = reached;
        const facts = factsOf(url, reached.finalUrl, response);
        const declared = Number(response.headers["content-length"] ?? Number.NaN);
        if (declared > maxBytes) {
          response.body.destroy();
          return tooLarge(facts, maxBytes, `it declares ${declared} bytes`);
        }
        const tempDir = options.tempDir ?? context.downloadDir ?? fallbackDir;
        const path = join(tempDir, newFileName());
        let saved: SavedBody;
        try {
          await mkdir(tempDir, { recursive: true });
          saved = await streamToFile(response.body, path, maxBytes, previewBytes);
        } catch (error) {
          response.body.destroy();
          await rm(path, { force: true });
          return stopped() ?? requestFailure(error, url);
        }
        if (saved.overflow) {
          await rm(path, { force: true });
          return tooLarge(facts, maxBytes, `the download passed ${maxBytes} bytes and was stopped`);
        }
        return present(facts, saved, path, previewBytes);
      } finally {
        timeout.pause();
      }
    },
  });
};

export const webFetchTool = createWebFetchTool();

/** Why a hop's URL is not requested at all, or undefined when it may be. */
const unfitUrl = (url: URL): string | undefined => {
  if (url.protocol !== "http:" && url.protocol !== "https:") return "is not an http or https URL";
  if (url.username !== "" || url.password !== "") return "includes credentials, which are not sent";
  return undefined;
};

const denied = (url: string, hopUrl: string, hop: number, from: string | undefined, answer: Permit): ToolResult =>
  toolFailure(answer.message ?? `permission denied: GET ${hopUrl} (${answer.rule})`, {
    url,
    permission: "denied",
    rule: answer.rule,
    hop,
    hopUrl,
    ...(from === undefined ? {} : { redirectedFrom: from }),
  });

/** Settles as `work` does, or rejects with the signal's reason when it aborts first. */
const untilAborted = <T>(work: Promise<T>, signal: AbortSignal): Promise<T> => {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(signal.reason as Error);
    signal.addEventListener("abort", abort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
};

const factsOf = (url: string, finalUrl: string, response: PinnedResponse): ResponseFacts => ({
  url,
  finalUrl,
  status: response.status,
  statusText: response.statusText,
  contentType: response.headers["content-type"] ?? null,
});

/** Writes the body chunk by chunk as it arrives; memory holds one chunk plus the preview. */
const streamToFile = async (body: AsyncIterable<Uint8Array>, path: string, maxBytes: number, previewBytes: number): Promise<SavedBody> => {
  const handle = await open(path, "wx");
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let bytes = 0;
  try {
    for await (const chunk of body) {
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
