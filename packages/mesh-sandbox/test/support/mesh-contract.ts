/**
 * Every answer the sandbox gives is checked against Mesh's own OpenAPI document: the schema the
 * document names for that path, method and HTTP status (`ApiResult` where it names none, as for
 * Mesh's 401s, or for statuses it does not list such as 413 and 429).
 */
import assert from 'node:assert/strict';
import { meshOpenApiDocument, meshResponseSchemaName, meshSchemaErrors } from '../../src/mesh-openapi.js';

/** The schema for an answer; a path Mesh does not have answers errors as the plain ApiResult. */
export function meshSchemaFor(method: string, path: string, status: number): string {
  if (!(path in meshOpenApiDocument().paths)) return 'ApiResult';
  return meshResponseSchemaName(method, path, status) ?? 'ApiResult';
}

/** Asserts `body` is what Mesh documents for `method path` answering `status`. */
export function assertMeshResponse(method: string, path: string, status: number, body: unknown): void {
  const schema = meshSchemaFor(method, path, status);
  assert.deepEqual(meshSchemaErrors(schema, body), [], `${method.toUpperCase()} ${path} → ${status} must match ${schema}: ${JSON.stringify(body)}`);
}
