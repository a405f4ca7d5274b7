import { readdirSync, readlinkSync } from "node:fs";

/** The files under `path` this process holds open (Linux: /proc/self/fd), sorted; undefined where that cannot be read. */
export function openUnder(path: string): string[] | undefined {
  try {
    return readdirSync("/proc/self/fd")
      .map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return "";
        }
      })
      .filter((target) => target.startsWith(path))
      .sort();
  } catch {
    return undefined;
  }
}
