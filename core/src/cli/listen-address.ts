import { InvalidArgumentError } from "commander";

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_LISTEN: ListenAddress = { host: "127.0.0.1", port: 0 };

/**
 * `--listen [host:]port`: "9000", "0" (an ephemeral port), "0.0.0.0:9000", "[::1]:9000". The
 * host defaults to 127.0.0.1 (loopback); anything else is exposed to the network, token or not.
 */
export function parseListen(value: string | true): ListenAddress {
  return parseAddress("--listen", value);
}

/** `--web [host:]port`: the same address forms as `--listen`. */
export function parseWeb(value: string | true): ListenAddress {
  return parseAddress("--web", value);
}

/** `--inspect [host:]port`: the same address forms as `--listen`. */
export function parseInspect(value: string | true): ListenAddress {
  return parseAddress("--inspect", value);
}

/** `--ag-ui [host:]port`: where the AG-UI event stream is served; the same address forms as `--listen`. */
export function parseAgUi(value: string | true): ListenAddress {
  return parseAddress("--ag-ui", value);
}

function parseAddress(flag: string, value: string | true): ListenAddress {
  if (value === true) return DEFAULT_LISTEN;
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):)?(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || !Number.isInteger(port) || port > 65535) {
    throw new InvalidArgumentError(`${flag} takes [host:]port (e.g. 9000, 127.0.0.1:9000, [::1]:0), got "${value}"`);
  }
  const host = match[1] ? match[1].replace(/^\[|\]$/g, "") : DEFAULT_LISTEN.host;
  return { host, port };
}
