/**
 * Where a worker's run works: the directory its tools resolve relative paths against, write their
 * files in, and by default touch nothing outside of. Chosen per session, so two runs of a chart
 * that writes files never share one:
 *
 * 1. the job's own `workDir` (`escapement submit --work-dir`, `submitRun({ workDir })`): the
 *    submitter names the exact directory, which wins over the worker's choice;
 * 2. else `<work root>/<session id>` when the worker has a work root (`--work-root`,
 *    `startWorker({ workRoot })`);
 * 3. else the worker's own working directory, shared by every run it takes (charts whose
 *    recordings expect a particular directory keep working there).
 *
 * The directory is made before the run and kept after it: it holds what the run produced. A session
 * resumed or woken later works in the same one (same id, same job data).
 */
import { mkdirSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { describeFsFault, fsFaultOf } from "../runtime/fs-fault.js";

/** The worker's side of the choice. */
export interface WorkerPlaces {
  /** Each session works in `<workRoot>/<session id>` (absolute). */
  workRoot?: string;
  /** The worker's working directory: the default when neither the job nor the worker names one. */
  cwd: string;
}

/** A work directory the worker uses for a run; `given` when the job or the worker's root named it (made then). */
export type ChosenWorkDir = { dir: string; given: boolean } | { refused: string };

/** A session id usable as one directory name under a work root: not empty, no separator, not `.` or `..`. */
const plainName = (id: string): boolean => id.length > 0 && id !== "." && id !== ".." && !/[/\\\0]/.test(id);

/** Picks the run's work directory (see above); a job's directory that is not absolute is refused. */
export function chooseWorkDir(job: { sessionId: string; workDir?: string }, worker: WorkerPlaces): ChosenWorkDir {
  if (job.workDir !== undefined) {
    if (!isAbsolute(job.workDir)) return { refused: `work dir "${job.workDir}" is not an absolute path (the job names a directory on the worker's machine)` };
    return { dir: job.workDir, given: true };
  }
  if (worker.workRoot !== undefined) {
    if (!plainName(job.sessionId)) return { refused: `session id "${job.sessionId}" cannot name a directory under the work root ${worker.workRoot}` };
    return { dir: join(worker.workRoot, job.sessionId), given: true };
  }
  return { dir: worker.cwd, given: false };
}

/** Makes `dir` (parents too) when missing; why it cannot be made, in one line (no path prefix), otherwise. */
export function makeWorkDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    return undefined;
  } catch (error) {
    const fault = fsFaultOf(error);
    if (!fault) throw error;
    return describeFsFault(fault);
  }
}
