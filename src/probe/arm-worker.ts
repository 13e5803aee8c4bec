// Worker-thread side of ArmTeam: one Arming, driven by the requests of probe/arm-team.ts.
import { parentPort } from "node:worker_threads";
import type { ArmReply, ArmRequest } from "./arm-team.js";
import { Arming } from "./arming.js";

const arming = new Arming();

parentPort?.on("message", (req: ArmRequest) => {
  let reply: ArmReply;
  switch (req.op) {
    case "read":
      reply = { id: req.id, read: arming.read(req.targets) };
      break;
    case "arm":
      reply = { id: req.id, armed: arming.arm(req.probing) };
      break;
    case "putBack":
      reply = { id: req.id, putBack: arming.putBack(req.items, req.probing) };
      break;
    default:
      arming.release();
      reply = { id: req.id };
  }
  parentPort?.postMessage(reply);
});
parentPort?.postMessage({ id: 0 } satisfies ArmReply);
