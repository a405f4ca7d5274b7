export { WireHub, type WireHubOptions, type FrameListener } from "./wire-hub.js";
export { WireServer, type WireServerOptions } from "./wire-server.js";
export { WireConnection } from "./wire-connection.js";
export { storeBlobs, type BlobSource } from "./blob-serve.js";
export { WireHuman, type ReplyTo } from "./wire-human.js";
export { writeWireInfo, removeWireInfo, wireInfoPath, type WireInfo } from "./wire-info.js";
