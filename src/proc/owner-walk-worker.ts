// Worker-thread side of OwnerWalkPool: walks the pids it is given and sends its part of the map back.
import { parentPort } from "node:worker_threads";
import { encodeReply, type WalkRequest } from "./owner-walk-wire.js";
import { findSocketOwners } from "./socket-owners.js";

parentPort?.on("message", (req: WalkRequest) => {
  const wanted = req.wanted === undefined ? undefined : new Set(req.wanted);
  const map = findSocketOwners({ procRoot: req.procRoot, pids: req.pids, ...(wanted ? { wanted } : {}) });
  const reply = encodeReply(req.id, map);
  parentPort?.postMessage(reply, [reply.owners.buffer, reply.processes.buffer]);
});
