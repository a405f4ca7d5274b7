/**
 * Where the page connects and with what token: the wire is served on the page's own origin, and
 * the token travels in the URL's fragment (`#token=...`), which a browser never sends to a server.
 */
export interface PageAddress {
  readonly wsUrl: string;
  readonly token: string | undefined;
}

export const pageAddress = (location: { protocol: string; host: string; hash: string }): PageAddress => {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = params.get("token") ?? undefined;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return { wsUrl: `${scheme}://${location.host}/`, token: token === "" ? undefined : token };
};
