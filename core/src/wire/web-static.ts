/**
 * Serves the browser renderer's static files (a built `web/dist`) on the wire server's port, so
 * the page and its WebSocket share one origin. Only GET and HEAD of files inside the root; a path
 * that leaves it (`..`, encoded or not), a directory or a missing file is a 404. The page gets a
 * Content-Security-Policy that allows its own scripts and a connection back to this host only.
 */
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** The page runs only its own files; markdown from a blob cannot load or run anything. */
export const WEB_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The file a request path names inside `root`, or undefined when it names none (or leaves the root). */
export function staticPath(root: string, url: string | undefined): string | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url ?? "/", "http://localhost").pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes("\0") || pathname.includes("\\")) return undefined;
  const relative = pathname === "/" ? "index.html" : pathname.replace(/^\/+/, "");
  const base = resolve(root);
  const file = resolve(base, relative);
  return file.startsWith(base + sep) ? file : undefined;
}

const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff", ...headers });
  res.end(body);
};

/** A request listener for the wire server's HTTP side: the files under `root`. */
export function staticFiles(root: string): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed\n", { allow: "GET, HEAD" });
    const file = staticPath(root, req.url);
    if (!file) return send(res, 404, "not found\n");
    void (async () => {
      try {
        if (!(await stat(file)).isFile()) return send(res, 404, "not found\n");
        const body = await readFile(file);
        const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
        const html = type.startsWith("text/html");
        res.writeHead(200, {
          "content-type": type,
          "content-length": String(body.length),
          "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer",
          // Built assets carry a content hash in their names; the page itself must be fetched anew.
          "cache-control": html ? "no-cache" : "public, max-age=31536000, immutable",
          ...(html ? { "content-security-policy": WEB_CSP, "x-frame-options": "DENY" } : {}),
        });
        res.end(req.method === "HEAD" ? undefined : body);
      } catch {
        if (!res.headersSent) send(res, 404, "not found\n");
        else res.destroy();
      }
    })();
  };
}
