import { expect, it } from "vitest";
import { deleteMessage, listMessage, registerMessage } from "../src/wallet/alerts";

// The exact messages of indexer/alerts (RegisterMessage, ListMessage, DeleteMessage): events
// sorted and comma-joined, "\n" line ends, no trailing newline.
it("signs exactly the alerts' messages", () => {
  expect(registerMessage("Own3r", "https://hooks.example/gpunet", ["device.slashed", "device.offline"], 1764640000)).toBe(
    "gpunet alerts v1\naction: register\nowner: Own3r\nurl: https://hooks.example/gpunet\nevents: device.offline,device.slashed\ntimestamp: 1764640000",
  );
  expect(listMessage("Own3r", 5)).toBe("gpunet alerts v1\naction: list\nowner: Own3r\ntimestamp: 5");
  expect(deleteMessage("Own3r", 7, 5)).toBe("gpunet alerts v1\naction: delete\nowner: Own3r\nwebhook: 7\ntimestamp: 5");
});
