import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";

/** Resolves a host name to IP addresses (v4 or v6), in the order a connection should try them. */
export type HostLookup = (host: string) => Promise<readonly string[]>;

/** The system resolver (`getaddrinfo`, /etc/hosts included), its order kept. */
export const systemLookup: HostLookup = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map(({ address }) => address);

/** The host of a URL as the permission policy sees it: lowercased, an IPv6 literal without brackets. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();

/** The addresses a request to `host` may connect to: an IP literal is itself, a name is looked up once. */
export const resolveHost = async (host: string, lookup: HostLookup): Promise<readonly string[]> => {
  if (isIP(host) !== 0) return [host];
  const addresses = await lookup(host);
  if (addresses.length === 0) throw Object.assign(new Error(`${host} resolved to no address`), { code: "ENOTFOUND" });
  const bad = addresses.find((address) => isIP(address) === 0);
  if (bad !== undefined) throw Object.assign(new Error(`${host} resolved to ${JSON.stringify(bad)}, not an IP address`), { code: "EBADRESP" });
  return addresses;
};
