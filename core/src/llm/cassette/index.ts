export { normalizeRequest, normalizedRequestJson, requestKey, keyOf, canonicalJson, type NormalizedRequest } from "./normalize-request.js";
export { cassetteVersion, readableCassetteVersions, type CassetteCall, type CassetteHeader, type StreamFragment } from "./cassette-entry.js";
export { CassetteWriter, loadCassette, parseCassette, cassettePathOf, type CassetteSink, type LoadedCassette } from "./cassette-file.js";
export { recordingModel } from "./recording-model.js";
export { CassetteModel, type CassetteModelOptions } from "./cassette-model.js";
export { describeDivergence, jsonDifferences, nearestCall } from "./request-diff.js";
export { loopGuard, defaultLoopThreshold } from "./loop-guard.js";
