/**
 * Mesh's own OpenAPI document (vendored in `openapi/`, MIT, see its README) compiled with Ajv, so
 * the sandbox, the kit and their tests check shapes against what Mesh publishes instead of a
 * hand-copied schema. Node only: it reads the document from disk once, on first use.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/** Path of the vendored document, for tools that want to read it themselves. */
export const MESH_OPENAPI_PATH = new URL('../openapi/integration-api.openapi.json', import.meta.url);

/** Names of the document's component schemas, e.g. `GetLinkTokenRequest`, `TransferModel`. */
export type MeshSchemaName = string;

let ajv: Ajv | undefined;
let document: { components: { schemas: Record<string, unknown> }; paths: Record<string, unknown> } | undefined;
const compiled = new Map<string, ValidateFunction>();

// ajv-formats is CommonJS with a default export; under ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

function load(): Ajv {
  if (ajv) return ajv;
  document = JSON.parse(readFileSync(MESH_OPENAPI_PATH, 'utf8'));
  const asJsonSchema = toJsonSchema(document) as object;
  // OpenAPI 3.0 schemas are JSON Schema plus `nullable`, `example`, `deprecated` and number formats
  // Ajv does not know: `strict: false` lets those annotation keywords through, and the numeric
  // formats are accepted as annotations (their ranges are not what Mesh validates).
  const instance = new Ajv({ strict: false, allErrors: true, discriminator: false });
  addFormats(instance);
  for (const format of ['double', 'float', 'int32', 'int64', 'decimal']) instance.addFormat(format, true);
  instance.addSchema(asJsonSchema, 'mesh');
  ajv = instance;
  return instance;
}

/** The parsed document (read once). */
export function meshOpenApiDocument(): { components: { schemas: Record<string, unknown> }; paths: Record<string, unknown> } {
  load();
  return document!;
}

/** A compiled validator for one of the document's component schemas. Throws for an unknown name. */
export function meshSchemaValidator(name: MeshSchemaName): ValidateFunction {
  const cached = compiled.get(name);
  if (cached) return cached;
  const instance = load();
  if (!(name in document!.components.schemas)) throw new Error(`Mesh's OpenAPI document has no schema named ${name}`);
  const validate = instance.getSchema(`mesh#/components/schemas/${name}`);
  if (!validate) throw new Error(`could not compile Mesh schema ${name}`);
  compiled.set(name, validate);
  return validate;
}

/** Readable problems of `value` against schema `name`; empty when it conforms. */
export function meshSchemaErrors(name: MeshSchemaName, value: unknown): string[] {
  const validate = meshSchemaValidator(name);
  if (validate(value)) return [];
  return (validate.errors ?? []).map(describe);
}

/**
 * OpenAPI 3.0's `nullable: true` is not JSON Schema: it becomes `type: [t, 'null']` where a type is
 * given, and `anyOf: [schema, {type: 'null'}]` where it is not (Mesh writes `allOf: [$ref]` plus
 * `nullable` for optional nested objects). The vendored file itself stays byte-for-byte Mesh's.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = toJsonSchema(value);
  if (typeof out.nullable !== 'boolean') return out;
  const nullable = out.nullable;
  delete out.nullable;
  if (!nullable) return out;
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

function describe(e: ErrorObject): string {
  const where = e.instancePath || '(root)';
  if (e.keyword === 'additionalProperties') {
    return `${where}: field "${(e.params as { additionalProperty: string }).additionalProperty}" is not defined by Mesh`;
  }
  return `${where}: ${e.message ?? e.keyword}`;
}
