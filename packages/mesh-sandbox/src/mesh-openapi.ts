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

type OpenApiOperation = {
  parameters?: { name: string; in: string; required?: boolean; schema?: Record<string, unknown> }[];
  requestBody?: { content?: Record<string, { schema?: Record<string, unknown> }> };
  responses?: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
};

/** The operation object of `method` on `path` (e.g. `get`, `/api/v1/transfers/managed/mesh`). Throws when Mesh has none. */
export function meshOperation(method: string, path: string): OpenApiOperation {
  const item = meshOpenApiDocument().paths[path] as Record<string, OpenApiOperation> | undefined;
  const operation = item?.[method.toLowerCase()];
  if (!operation) throw new Error(`Mesh's OpenAPI document has no ${method.toUpperCase()} ${path}`);
  return operation;
}

/** `#/components/schemas/X` (possibly wrapped in a one-element `allOf`) → `X`. */
function schemaNameOf(schema: Record<string, unknown> | undefined): string | undefined {
  if (!schema) return undefined;
  const ref = typeof schema.$ref === 'string' ? schema.$ref : (schema.allOf as { $ref?: string }[] | undefined)?.[0]?.$ref;
  return ref?.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : undefined;
}

/** Name of the component schema of the JSON request body of `method path` (e.g. `GetLinkTokenRequest`). */
export function meshRequestBodySchemaName(method: string, path: string): string {
  const content = meshOperation(method, path).requestBody?.content;
  const name = schemaNameOf(content?.['application/json']?.schema);
  if (!name) throw new Error(`Mesh documents no JSON request body for ${method.toUpperCase()} ${path}`);
  return name;
}

/**
 * Name of the component schema Mesh documents for the JSON response of `method path` with HTTP
 * `status` (e.g. `LinkTokenModelApiResult` for 200, `ApiResult` for 400). Undefined when the
 * document gives that status no schema (Mesh's 401s are `schema: {}`).
 */
export function meshResponseSchemaName(method: string, path: string, status: number): string | undefined {
  const response = meshOperation(method, path).responses?.[String(status)];
  return schemaNameOf(response?.content?.['application/json']?.schema);
}

/** A query string checked against an operation's documented query parameters. */
export type MeshQueryResult = { ok: true; value: Record<string, unknown> } | { ok: false; errors: string[] };

const queryValidators = new Map<string, (query: Record<string, unknown>) => MeshQueryResult>();

/**
 * A validator for the query parameters Mesh documents on `method path`. Names match
 * case-insensitively and values are converted to the parameter's type, as ASP.NET's model binder
 * does; an array parameter takes repeated names (`Statuses=a&Statuses=b`) and, as a convenience,
 * comma-separated values. Parameters Mesh does not define are ignored, as its binder ignores them.
 */
export function meshQueryValidator(method: string, path: string): (query: Record<string, unknown>) => MeshQueryResult {
  const key = `${method.toLowerCase()} ${path}`;
  const cached = queryValidators.get(key);
  if (cached) return cached;
  const instance = load();
  const parameters = (meshOperation(method, path).parameters ?? []).filter((p) => p.in === 'query');
  const properties: Record<string, unknown> = {};
  for (const p of parameters) properties[p.name] = toJsonSchema(withMeshRefs(p.schema ?? {}));
  const required = parameters.filter((p) => p.required).map((p) => p.name);
  const validate = instance.compile({ type: 'object', properties, required });
  const byLowerName = new Map(parameters.map((p) => [p.name.toLowerCase(), p]));

  const validator = (query: Record<string, unknown>): MeshQueryResult => {
    const value: Record<string, unknown> = {};
    const errors: string[] = [];
    for (const [name, raw] of Object.entries(query)) {
      const parameter = byLowerName.get(name.toLowerCase());
      if (!parameter) continue;
      const texts = (Array.isArray(raw) ? raw : [raw]).map(String);
      const type = resolvedType(parameter.schema ?? {});
      if (type === 'array') {
        const itemType = resolvedType(((parameter.schema ?? {}) as { items?: Record<string, unknown> }).items ?? {});
        value[parameter.name] = texts.flatMap((t) => t.split(',')).map((t) => convert(t.trim(), itemType));
      } else if (texts.length > 1) {
        errors.push(`${parameter.name}: given more than once`);
      } else {
        value[parameter.name] = convert(texts[0]!, type);
      }
    }
    if (!validate(value)) errors.push(...(validate.errors ?? []).map(describe));
    return errors.length ? { ok: false, errors } : { ok: true, value };
  };
  queryValidators.set(key, validator);
  return validator;
}

/** Refs inside a path's parameter schemas are document-relative; the compiled document is `mesh`. */
function withMeshRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withMeshRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `mesh${v}` : withMeshRefs(v);
  return out;
}

/** The JSON type a parameter schema ends up with, following `$ref`/`allOf` to a component. */
function resolvedType(schema: Record<string, unknown>): string | undefined {
  if (typeof schema.type === 'string') return schema.type;
  const name = schemaNameOf(schema);
  const target = name ? (meshOpenApiDocument().components.schemas[name] as Record<string, unknown> | undefined) : undefined;
  return target ? resolvedType(target) : undefined;
}

/** Query text → the parameter's type; text that does not convert stays text, so the schema names the problem. */
function convert(text: string, type: string | undefined): unknown {
  if (type === 'integer' && /^-?\d{1,16}$/.test(text)) return Number(text);
  if (type === 'number' && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (type === 'boolean' && /^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  return text;
}
