import type { LookupAddress, LookupOptions } from "node:dns";
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { pipeline, type Readable } from "node:stream";
import { constants, createBrotliDecompress, createGunzip, createInflate } from "node:zlib";

export interface PinnedResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** The body, content-encoding (gzip, deflate, br) undone; destroying it closes the connection. */
  body: Readable;
}

/**
 * GET `url`, connecting only to `addresses`: the ones its host resolved to when the request was
 * permitted, so no second DNS answer can send it elsewhere. The host name still goes in the Host
 * header and, for https, in SNI and the certificate check. `signal` stops the request and its body.
 */
export const pinnedGet = (url: URL, host: string, addresses: readonly string[], signal: AbortSignal): Promise<PinnedResponse> =>
  new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const request = send({
      protocol: url.protocol,
      hostname: host,
      port: url.port === "" ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: "GET",
      headers: { accept: "*/*", "accept-encoding": "gzip, deflate, br", "user-agent": "node" },
      lookup: pinnedLookup(host, addresses),
      // A fresh connection every time: a pooled socket could be one opened to other addresses.
      agent: false,
      signal,
    });
    // Kept for the request's life: a socket error after the response would otherwise be unhandled.
    request.on("error", reject);
    request.on("response", (response) => {
      const body = decoded(response);
      stopWith(signal, body);
      resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? "", headers: response.headers, body });
    });
    request.end();
  });

/** Destroys `body` when `signal` aborts; the listener goes when the body closes, so hop after hop adds none. */
const stopWith = (signal: AbortSignal, body: Readable): void => {
  if (signal.aborted) {
    body.destroy(signal.reason as Error);
    return;
  }
  const stop = (): void => void body.destroy(signal.reason as Error);
  signal.addEventListener("abort", stop, { once: true });
  body.once("close", () => signal.removeEventListener("abort", stop));
};

/** A `lookup` for `net.connect` that answers `host` with the given addresses and nothing else. */
const pinnedLookup =
  (host: string, addresses: readonly string[]): LookupFunction =>
  (hostname: string, options: LookupOptions, callback) => {
    const wanted = familyNumber(options.family);
    const answers: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) })).filter(({ family }) => wanted === 0 || family === wanted);
    const first = answers[0];
    if (hostname.toLowerCase() !== host || first === undefined) {
      const error: NodeJS.ErrnoException = new Error(`no permitted IPv${wanted || "4/6"} address for ${hostname}`);
      error.code = "ENOTFOUND";
      callback(error, "");
    } else if (options.all === true) {
      callback(null, answers);
    } else {
      callback(null, first.address, first.family);
    }
  };

const familyNumber = (family: LookupOptions["family"]): number => {
  if (family === "IPv4") return 4;
  if (family === "IPv6") return 6;
  return typeof family === "number" ? family : 0;
};

/** The body as the server meant it; decoders flush leniently, as fetch does, so a truncated stream still yields its bytes. */
const decoded = (response: IncomingMessage): Readable => {
  const encoding = (response.headers["content-encoding"] ?? "").trim().toLowerCase();
  const lenient = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
  const decoder =
    encoding === "gzip" || encoding === "x-gzip"
      ? createGunzip(lenient)
      : encoding === "deflate"
        ? createInflate(lenient)
        : encoding === "br"
          ? createBrotliDecompress({ flush: constants.BROTLI_OPERATION_FLUSH, finishFlush: constants.BROTLI_OPERATION_FLUSH })
          : undefined;
  if (decoder === undefined) return response;
  // Either end failing or being destroyed destroys the other, so leaving the decoded body closes the connection.
  pipeline(response, decoder, () => undefined);
  return decoder;
};
