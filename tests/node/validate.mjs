// Validates JSON documents against a JSON Schema (draft-07) with ajv, which honours const and oneOf.
// Usage: node validate.mjs <schema.json> <documents.jsonl>
// Prints one JSON line per document: {"index":n,"valid":bool,"errors":[...]}.
import { readFileSync } from "node:fs";
import Ajv from "ajv";

const [schemaPath, documentsPath] = process.argv.slice(2);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
const lines = readFileSync(documentsPath, "utf8").split("\n").filter((line) => line.trim().length > 0);
lines.forEach((line, index) => {
  const valid = validate(JSON.parse(line));
  process.stdout.write(JSON.stringify({ index, valid, errors: valid ? [] : validate.errors.map((e) => `${e.instancePath} ${e.message}`) }) + "\n");
});
