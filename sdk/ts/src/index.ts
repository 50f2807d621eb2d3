// @supervm/sdk: everything a script needs to talk to a SuperVM node.
export * from "./bytes.js";
export * from "./json.js";
export * from "./ids.js";
export * from "./keys.js";
export * from "./tx.js";
export * as payload from "./payload.js";
export * from "./receipt.js";
export * from "./stateproof.js";
export * from "./rpc.js";
export * from "./ws.js";
