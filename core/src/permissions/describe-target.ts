import type { PermissionTarget } from "./permission-target.js";

/** A target in one line, as a prompt, a row and a denial show it. */
export const describeTarget = (target: PermissionTarget): string => {
  switch (target.kind) {
    case "tool":
      return "run";
    case "path":
      return `${target.access} ${target.path}`;
    case "command":
      return `run \`${target.command}\``;
    case "url":
      return target.addresses.length > 0 ? `GET ${target.url} (${target.host} is ${target.addresses.join(", ")})` : `GET ${target.url}`;
  }
};
