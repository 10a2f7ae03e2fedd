// Generates the TypeScript client from the repository's IDLs with Codama: for each
// idl/<program>.json, src/generated/<program>/ (instructions with their PDAs and bumps resolved,
// accounts, PDAs, types, errors). Run by `make idl` (npm run generate); never edit the output:
// test/generated.test.mjs fails when it is stale.

import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  accountBumpValueNode,
  bottomUpTransformerVisitor,
  createFromRoot,
  instructionArgumentNode,
  instructionNode,
  isNode,
} from "codama";
import { rootNodeFromAnchor } from "@codama/nodes-from-anchor";
import { renderVisitor } from "@codama/renderers-js";

const here = dirname(fileURLToPath(import.meta.url));
const idlDir = join(here, "..", "..", "idl");

// The programs take some PDAs' bumps as arguments (<name>_bump): the PDA account <name>, or the
// one account whose name ends in _<name> (slash_escrow for escrow_bump). Their default is that
// account's bump, which the generated builder finds with the PDA itself.
function bumpAccount(instruction, argument) {
  const stem = argument.name.slice(0, -"Bump".length);
  const pdas = instruction.accounts.filter((a) => a.defaultValue && isNode(a.defaultValue, "pdaValueNode"));
  const exact = pdas.find((a) => a.name === stem);
  if (exact) return exact;
  const suffix = stem[0].toUpperCase() + stem.slice(1);
  const ending = pdas.filter((a) => a.name.endsWith(suffix));
  if (ending.length !== 1) throw new Error(`${instruction.name}.${argument.name}: no single PDA account ${stem} or *${suffix}`);
  return ending[0];
}

const defaultBumps = bottomUpTransformerVisitor([
  {
    select: "[instructionNode]",
    transform: (node) =>
      instructionNode({
        ...node,
        arguments: node.arguments.map((arg) =>
          arg.name.endsWith("Bump") && !arg.defaultValue
            ? instructionArgumentNode({ ...arg, defaultValue: accountBumpValueNode(bumpAccount(node, arg).name) })
            : arg,
        ),
      }),
  },
]);

/** Renders every program's client into packageDir/src/generated/<program>/. */
export async function generate(packageDir) {
  for (const file of readdirSync(idlDir).filter((f) => f.endsWith(".json")).sort()) {
    const program = basename(file, ".json");
    const codama = createFromRoot(rootNodeFromAnchor(JSON.parse(readFileSync(join(idlDir, file), "utf8"))));
    codama.update(defaultBumps);
    await codama.accept(
      renderVisitor(packageDir, {
        generatedFolder: join("src", "generated", program),
        syncPackageJson: false,
        kitImportStrategy: "rootOnly",
      }),
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await generate(here);
  console.log("generate: client/ts/src/generated from idl/*.json");
}
