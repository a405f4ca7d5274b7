/**
 * The wall clock a live view runs on: it stands still from the moment the core stopped sending
 * frames, as far as the UI can tell (not responding, no answer, reconnecting, closed), so the
 * run's elapsed time does not tick on for a core that may be stopped; it moves again with the
 * connection.
 */
import type { ConnectionStatus } from "../transport/index.ts";

export const liveWall = (status: ConnectionStatus, wall: number): number => {
  switch (status.state) {
    case "not-responding":
    case "no-answer":
    case "reconnecting":
    case "closed":
      return status.stalledAt === undefined ? wall : Math.min(wall, status.stalledAt);
    case "connecting":
    case "connected":
    case "replay":
      return wall;
  }
};
