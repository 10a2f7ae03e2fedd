// The committed client is what the IDLs generate: a fresh generation into a temporary package
// matches src/generated file for file (`make idl` rewrites it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "../generate.mjs";

const generated = (dir) => join(dir, "src", "generated");
const files = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)))
    .sort();

test("src/generated is what the IDLs generate", async () => {
  const fresh = mkdtempSync(join(tmpdir(), "gpunet-client-"));
  try {
    await generate(fresh);
    const committed = generated(join(dirname(fileURLToPath(import.meta.url)), ".."));
    const want = files(generated(fresh));
    assert.deepEqual(files(committed), want, "the generated files differ: run make idl");
    const stale = want.filter((f) => !readFileSync(join(committed, f)).equals(readFileSync(join(generated(fresh), f))));
    assert.deepEqual(stale, [], "stale generated files: run make idl");
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});
