import ipaddr from "ipaddr.js";

/**
 * The range an IP address belongs to, by ipaddr.js's names ("unicast" is the public internet;
 * "loopback", "private", "linkLocal", "uniqueLocal", "carrierGradeNat", "unspecified",
 * "multicast", "reserved", ... are not). IPv4-mapped IPv6 addresses are judged as IPv4.
 */
export const addressRange = (address: string): string => {
  if (!ipaddr.isValid(address)) return "invalid";
  return ipaddr.process(address).range();
};

/** Whether `address` is on the public internet: anything else is refused by default. */
export const isPublicAddress = (address: string): boolean => addressRange(address) === "unicast";

export const isIpAddress = (text: string): boolean => ipaddr.isValid(text);

/** A CIDR (`10.0.0.0/8`) or a single address, as a predicate over addresses; undefined when `text` is neither. */
export const addressMatcher = (text: string): ((address: string) => boolean) | undefined => {
  let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
  if (ipaddr.isValidCIDR(text)) range = ipaddr.parseCIDR(text);
  else if (ipaddr.isValid(text)) {
    const single = ipaddr.process(text);
    range = [single, single.kind() === "ipv4" ? 32 : 128];
  } else return undefined;
  const [base, bits] = range;
  const normalized: [ipaddr.IPv4 | ipaddr.IPv6, number] =
    base.kind() === "ipv6" && (base as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96 ? [(base as ipaddr.IPv6).toIPv4Address(), bits - 96] : [base, bits];
  return (address) => {
    if (!ipaddr.isValid(address)) return false;
    const parsed = ipaddr.process(address);
    return parsed.kind() === normalized[0].kind() && parsed.match(normalized);
  };
};
