/**
 * A session whose run died before its first checkpoint was stored (its worker killed as the run
 * started): the store holds its first rows but no checkpoint, and a resume refuses such a session
 * (`checkpoint-missing`), so every retry of its job would fail the same way. Nothing those rows
 * say was acted on (a run starts an effect only once a checkpoint covers it), so the worker sets
 * them aside whole, as a resume sets aside the rows after its checkpoint (`orphaned-after-0.jsonl`),
 * and the run starts over in the same session.
 */
import { IO_PACK, type SessionManifest } from "../runtime/session-dir.js";
import type { FileCut, SessionStore } from "../store/index.js";

const TRANSCRIPT = "transcript.jsonl";
const CASSETTE = "cassette.jsonl";

/**
 * Sets aside what the run wrote when the session has rows but no checkpoint; says whether it did.
 * Refused (`session-live`) while another process holds the session: its run may be starting still.
 */
export async function setAsideUnstarted(store: SessionStore, key: string, manifest: SessionManifest): Promise<boolean> {
  if (await store.checkpoint(key)) return false;
  if (!(await store.blob(key, TRANSCRIPT))) return false;
  const prefix = "orphaned-after-0";
  const cuts: FileCut[] = [
    { path: TRANSCRIPT, keep: 0, aside: { prefix, suffix: ".jsonl" } },
    { path: CASSETTE, keep: 0, aside: { prefix, suffix: ".cassette.jsonl" } },
    { path: IO_PACK, keep: 0, aside: { prefix, suffix: ".io.jsonl" } },
  ];
  const interrupted: SessionManifest = { ...manifest, status: "interrupted" };
  const writer = await store.reopen(key, cuts, interrupted);
  // Written again through the writer, which gives up the session's claim: the run that follows claims it.
  await writer.writeManifest(interrupted);
  return true;
}
