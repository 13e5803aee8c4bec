// Worker-thread side of OwnerWalkPool: walks the pids it is given and sends the links it found back.
import { parentPort } from "node:worker_threads";
import { walkFds } from "./fd-walk.js";
import { ArraySink, type WalkRequest } from "./owner-walk-wire.js";
import { wantsOf } from "./socket-owners.js";

parentPort?.on("message", (req: WalkRequest) => {
  const sink = new ArraySink();
  const wants = wantsOf(req.wanted === undefined ? undefined : new Set(req.wanted));
  const stats = walkFds({ procRoot: req.procRoot, pids: req.pids, wants }, sink);
  const reply = sink.reply(req.id, stats);
  parentPort?.postMessage(reply, [reply.sockets.buffer, reply.processes.buffer]);
});
