// Checks real responses of a truce server against its API definition: each response's status
// and media type must be documented for its operation, and a JSON body must validate (Ajv,
// with the OpenAPI 3.0 schema keywords) against the schema documented for them.
//
// usage: node check-responses.mjs DEFINITION.json RESPONSES.json
// RESPONSES.json: [{"method": "GET", "path": "/ogc/collections/zones/items", "status": 200,
//                   "content_type": "application/geo+json", "body": "..."}, ...]
// Prints one line per failure and ends with "responses checked: N valid, M invalid"; exits 1 on any failure.
// Run by tests/openapi_check_test.cc against a live server.
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const [definitionFile, responsesFile] = process.argv.slice(2);
if (!definitionFile || !responsesFile) {
  console.error('usage: node check-responses.mjs DEFINITION.json RESPONSES.json');
  process.exit(2);
}
const definition = JSON.parse(readFileSync(definitionFile, 'utf8'));
const responses = JSON.parse(readFileSync(responsesFile, 'utf8'));

// Replaces every local $ref by what it points to (the definition has no cycles).
function resolve(node, seen = []) {
  if (Array.isArray(node)) return node.map((n) => resolve(n, seen));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    const ref = node.$ref;
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    if (seen.includes(ref)) throw new Error(`cyclic $ref ${ref}`);
    let target = definition;
    for (const part of ref.slice(2).split('/')) {
      target = target?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    }
    if (target === undefined) throw new Error(`dangling $ref ${ref}`);
    return resolve(target, [...seen, ref]);
  }
  const out = {};
  for (const [key, value] of Object.entries(node)) out[key] = resolve(value, seen);
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

// The path templates of the definition as regular expressions.
const templates = Object.keys(definition.paths).map((template) => ({
  template,
  regex: new RegExp(
    '^' + template.replace(/[.+]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$',
  ),
}));

function mediaType(contentType) {
  return contentType.split(';')[0].trim().toLowerCase();
}

let passed = 0;
let failed = 0;
function fail(r, message) {
  failed += 1;
  console.log(`FAIL ${r.method} ${r.path} ${r.status}: ${message}`);
}

for (const r of responses) {
  const match = templates.find((t) => t.regex.test(r.path));
  if (!match) {
    fail(r, 'no path of the definition matches');
    continue;
  }
  const operation = definition.paths[match.template][r.method.toLowerCase()];
  if (!operation) {
    fail(r, `${match.template} has no ${r.method} operation`);
    continue;
  }
  const responsesDoc = operation.responses ?? {};
  const documented =
    responsesDoc[String(r.status)] ??
    responsesDoc[`${String(r.status)[0]}XX`] ??
    responsesDoc.default;
  if (!documented) {
    fail(r, `status ${r.status} is not documented for ${r.method} ${match.template}`);
    continue;
  }
  const response = resolve(documented);
  const content = response.content ?? {};
  const type = mediaType(r.content_type);
  const key = Object.keys(content).find((k) => mediaType(k) === type);
  if (key === undefined) {
    fail(r, `media type ${r.content_type} is not documented (${Object.keys(content).join(', ')})`);
    continue;
  }
  const schema = content[key].schema;
  if (schema && (type.endsWith('json') || type.endsWith('+json'))) {
    let body;
    try {
      body = JSON.parse(r.body);
    } catch (e) {
      fail(r, `the body is not JSON: ${e.message}`);
      continue;
    }
    const validate = ajv.compile(schema);
    if (!validate(body)) {
      const errors = validate.errors
        .slice(0, 5)
        .map((e) => `${e.instancePath || '/'} ${e.message}`)
        .join('; ');
      fail(r, `the body does not match the schema: ${errors}`);
      continue;
    }
  }
  passed += 1;
}
console.log(`responses checked: ${passed} valid, ${failed} invalid`);
process.exit(failed === 0 ? 0 : 1);
