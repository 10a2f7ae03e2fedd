import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import { expect, it } from "vitest";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// src/api/schema.d.ts is what `npm run types` makes of web/openapi.json (which web/web_test.go
// keeps equal to the API's document): the app's types are the API's.
it("src/api/schema.d.ts is generated from openapi.json", async () => {
  const ast = await openapiTS(new URL("../openapi.json", import.meta.url));
  const header = readFileSync(here("../src/api/schema.d.ts"), "utf8").split("\n").slice(0, 5).join("\n");
  const want = readFileSync(here("../src/api/schema.d.ts"), "utf8");
  const got = astToString(ast);
  expect(want.endsWith(got), "src/api/schema.d.ts is stale: npm --prefix web run types").toBe(true);
  expect(header).toContain("openapi-typescript");
}, 30000);
