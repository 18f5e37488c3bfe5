// The kit, the button and the button's fake kit speak one contract, declared once in @mesh-pay/wire.
// These stories rename one field on one side only, in memory, and ask the TypeScript checker (the
// same options as `npm run typecheck`) whether anyone notices: it must, every time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const file = (path: string) => `${root}${path}`;
const WIRE = file('packages/wire/index.ts');
const FAKE_KIT = file('packages/widget/test/fake-kit.mjs');
const KIT_ROUTE = file('packages/backend-kit/src/link-token-route.ts');
const KIT_STREAM = file('packages/backend-kit/src/status-stream.ts');
const TOKEN_CLIENT = file('packages/widget/src/token-client.ts');
const STATUS_STREAM = file('packages/widget/src/status-stream.ts');
const SIDES = [FAKE_KIT, KIT_ROUTE, KIT_STREAM, TOKEN_CLIENT, STATUS_STREAM];

const config = ts.getParsedCommandLineOfConfigFile(file('tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
let previous: ts.Program | undefined;

/** Type errors in `SIDES` once `from` (which must occur exactly once) is replaced by `to` in `path`. */
function errorsAfter(path: string, from: string, to: string): string[] {
  const original = readFileSync(path, 'utf8');
  assert.equal(original.split(from).length, 2, `${from} occurs exactly once in ${path}`);
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === path ? original.replace(from, to) : readFile(name));
  const program = ts.createProgram(SIDES, config.options, host, previous);
  previous = program;
  return SIDES.flatMap((side) => ts.getPreEmitDiagnostics(program, program.getSourceFile(side))).map(
    (d) => `${d.file?.fileName.slice(root.length)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
  );
}

test('unchanged, the kit, the button and the fake kit agree (the checker has nothing to say)', () => {
  assert.deepEqual(errorsAfter(WIRE, 'statusUrl: string;', 'statusUrl: string;'), []);
});

test('a field renamed in the contract breaks the kit, the button and the fake kit at once', () => {
  const errors = errorsAfter(WIRE, 'statusUrl: string;', 'statusURL: string;');
  for (const side of ['packages/widget/test/fake-kit.mjs', 'packages/backend-kit/src/link-token-route.ts', 'packages/widget/src/token-client.ts'])
    assert.ok(errors.some((e) => e.startsWith(side)), `${side} did not notice: ${errors.join('\n')}`);
});

test('the fake kit cannot answer a token under another field name', () => {
  const errors = errorsAfter(FAKE_KIT, 'statusUrl: scenario.statusUrl', 'statusURL: scenario.statusUrl');
  assert.ok(errors.some((e) => e.includes('statusURL')), errors.join('\n'));
});

test('the fake kit cannot send a status event or an expired event with a renamed field', () => {
  assert.ok(errorsAfter(FAKE_KIT, 'transferId: `tr-${tx}`', 'transferID: `tr-${tx}`').some((e) => e.includes('transferID')));
  assert.ok(errorsAfter(FAKE_KIT, "status: last?.data.status ?? 'pending'", "state: last?.data.status ?? 'pending'").some((e) => e.includes('state')));
});

test('the fake kit can only answer problem codes the kit has', () => {
  const errors = errorsAfter(FAKE_KIT, "code: 'MESH_PAY_ORDER_ALREADY_PAID'", "code: 'MESH_PAY_ORDER_PAID'");
  assert.ok(errors.some((e) => e.includes('MESH_PAY_ORDER_PAID')), errors.join('\n'));
});

test('the kit cannot answer a token under another field name', () => {
  const errors = errorsAfter(KIT_ROUTE, 'statusUrl: `${req.baseUrl}', 'statusURL: `${req.baseUrl}');
  assert.ok(errors.some((e) => e.startsWith('packages/backend-kit/src/link-token-route.ts') && e.includes('statusURL')), errors.join('\n'));
});

test('the kit cannot end a stream with an expired event under another field name', () => {
  const errors = errorsAfter(KIT_STREAM, 'const data: StreamExpiredEvent = { transactionId, status };', 'const data: StreamExpiredEvent = { transactionId, state: status };');
  assert.ok(errors.some((e) => e.startsWith('packages/backend-kit/src/status-stream.ts') && e.includes('state')), errors.join('\n'));
});

test('the button cannot read a token or a status field under another name', () => {
  assert.ok(errorsAfter(TOKEN_CLIENT, 'typeof body.transactionId', 'typeof body.transactionID').some((e) => e.includes('transactionID')));
  assert.ok(errorsAfter(STATUS_STREAM, "['txHash', 'sourceAmount'", "['txhash', 'sourceAmount'").some((e) => e.includes('txhash')));
});
