// The status stream as a Lit reactive controller, on a bare host element: it follows one payment's
// stream, keeps its place with the saved payment, and holds no connection for an element off the page.
// The fake kit (test/fake-kit.mjs) serves the streams.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { LitElement } from 'lit';
import type { MeshPayError } from './errors.js';
import { loadLinkFlow } from './payment-driver-loader.js';
import { loadPayment, savePayment } from './payment-session.js';
import type { StatusStep, TransferStatusEvent } from './status-stream.js';
import { StatusStreamController } from './status-stream-controller.js';
import { kit } from '../test/browser-kit.js';

class StreamHost extends LitElement {
  statuses: { status: string; step: StatusStep | undefined; savedId: string | undefined }[] = [];
  errors: MeshPayError[] = [];
  expired: MeshPayError[] = [];
  key: string | undefined = undefined;
  stream = new StatusStreamController(this, {
    key: () => this.key,
    onStatus: (event: TransferStatusEvent, step) => this.statuses.push({ status: event.status, step, savedId: this.key && loadPayment(this.key)?.lastEventId }),
    onExpired: (error) => this.expired.push(error),
    onError: (error) => this.errors.push(error),
  });
}
customElements.define('stream-host', StreamHost);

let n = 0;
const txId = (name: string) => `ctl-${name}-${Date.now().toString(36)}-${++n}`;
const urlOf = (tx: string) => new URL(`/kit/status/${tx}?cap=test-capability`, location.href).href;

async function host(): Promise<StreamHost> {
  return fixture<StreamHost>(html`<stream-host></stream-host>`);
}

afterEach(() => sessionStorage.clear());

describe('StatusStreamController', () => {
  it('delivers the server statuses in order, saves each event id with the payment, and ends after the final one', async () => {
    const tx = txId('order');
    const el = await host();
    el.key = `key-${tx}`;
    savePayment(el.key, { statusUrl: urlOf(tx), transactionId: tx, status: 'open' });
    el.stream.follow(urlOf(tx), undefined);
    expect(el.stream.following).to.equal(true);
    await waitUntil(async () => (await kit.openStreams(tx)) === 1, 'stream opened', { timeout: 8000 });
    await kit.emit(tx, 'pending');
    await kit.emit(tx, 'succeeded');
    await waitUntil(() => el.statuses.length === 2, 'two statuses', { timeout: 8000 });
    expect(el.statuses).to.deep.equal([
      { status: 'pending', step: 'serverPending', savedId: '1' },
      { status: 'succeeded', step: 'serverSucceeded', savedId: '2' },
    ]);
    expect(el.stream.following).to.equal(false);
    expect(loadPayment(el.key)?.lastEventId).to.equal('2');
  });

  it('closes its EventSource when the element leaves the page', async () => {
    const tx = txId('detach');
    const el = await host();
    el.stream.follow(urlOf(tx), undefined);
    await waitUntil(async () => (await kit.openStreams(tx)) === 1, 'stream opened', { timeout: 8000 });
    el.remove();
    expect(el.stream.following).to.equal(false);
    await waitUntil(async () => (await kit.openStreams(tx)) === 0, 'the server still holds the stream open', { timeout: 8000 });
  });

  it('a stream stopped before its code arrived never connects', async () => {
    const opened: string[] = [];
    const Real = window.EventSource;
    window.EventSource = class extends Real {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        opened.push(String(url));
      }
    };
    try {
      const el = await host();
      const tx = txId('early-stop');
      el.stream.follow(urlOf(tx), undefined);
      el.stream.stop();
      await loadLinkFlow(); // the same promise the controller waits on, so its callback has run
      expect(opened.filter((u) => u.includes(tx))).to.deep.equal([]);
      // Following another payment replaces the first: only the second connects.
      const other = txId('second');
      el.stream.follow(urlOf(tx), undefined);
      el.stream.follow(urlOf(other), '7');
      await loadLinkFlow();
      expect(opened.filter((u) => u.includes('ctl-'))).to.deep.equal([`${urlOf(other)}&lastEventId=7`]);
      el.stream.stop();
    } finally {
      window.EventSource = Real;
    }
  });

  it('reports a refused stream once, as MESH_PAY_STREAM_FAILED, and stops following', async () => {
    const tx = txId('forbidden');
    await kit.forbid(tx);
    const el = await host();
    el.stream.follow(urlOf(tx), undefined);
    await waitUntil(() => el.errors.length > 0, 'error reported', { timeout: 8000 });
    expect(el.errors.map((e) => e.code)).to.deep.equal(['MESH_PAY_STREAM_FAILED']);
    expect(el.stream.following).to.equal(false);
  });

  it('reports the kit’s expiry as MESH_PAY_STREAM_EXPIRED and does not reconnect', async () => {
    const tx = txId('expired');
    const el = await host();
    el.stream.follow(urlOf(tx), undefined);
    await waitUntil(async () => (await kit.openStreams(tx)) === 1, 'stream opened', { timeout: 8000 });
    await kit.expire(tx);
    await waitUntil(() => el.expired.length === 1, 'expiry reported', { timeout: 8000 });
    expect(el.expired[0]!.code).to.equal('MESH_PAY_STREAM_EXPIRED');
    expect(el.stream.following).to.equal(false);
    expect(el.errors).to.deep.equal([]);
  });

  it('saves no event id for a payment no longer saved (forgotten by reset)', async () => {
    const tx = txId('nokey');
    const el = await host();
    el.key = `key-${tx}`; // nothing saved under it: a payment already forgotten (reset)
    el.stream.follow(urlOf(tx), undefined);
    await waitUntil(async () => (await kit.openStreams(tx)) === 1, 'stream opened', { timeout: 8000 });
    await kit.emit(tx, 'pending');
    await waitUntil(() => el.statuses.length === 1, 'status', { timeout: 8000 });
    expect(loadPayment(el.key)).to.equal(undefined);
    el.stream.stop();
  });
});
