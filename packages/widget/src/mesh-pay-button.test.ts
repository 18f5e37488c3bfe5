import { expect, fixture, html, oneEvent, waitUntil, nextFrame } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import './mesh-pay-button.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import type { MeshPayEventDetailMap } from './events.js';
import { buttonOf, kit, labelOf, linkPageReceived, liveRegionOf, openDialog, orderId, statusBecomes } from '../test/browser-kit.js';

type Recorded = { type: keyof MeshPayEventDetailMap; detail: unknown };
const EVENT_NAMES: (keyof MeshPayEventDetailMap)[] = [
  'mesh-click',
  'mesh-open',
  'mesh-integration-connected',
  'mesh-transfer-finished',
  'mesh-exit',
  'mesh-event',
  'mesh-status',
  'mesh-error',
];

/** Records every mesh-* event that reaches `document` (so they bubble and are composed). */
function record(): Recorded[] {
  const seen: Recorded[] = [];
  for (const type of EVENT_NAMES) {
    document.addEventListener(type, (event) => {
      const custom = event as CustomEvent;
      expect(custom.bubbles && custom.composed, `${type} bubbles and is composed`).to.equal(true);
      seen.push({ type, detail: custom.detail });
    });
  }
  return seen;
}
const events = record();
const since = (mark: number, type: keyof MeshPayEventDetailMap) => events.slice(mark).filter((e) => e.type === type);

async function mount(id: string, extra: Partial<Record<string, string | boolean>> = {}): Promise<MeshPayButton> {
  const el = await fixture<MeshPayButton>(html`<mesh-pay-button token-url="/kit/token" order-id=${id}></mesh-pay-button>`);
  for (const [name, value] of Object.entries(extra)) {
    if (value === true) el.setAttribute(name, '');
    else if (typeof value === 'string') el.setAttribute(name, value);
  }
  await el.updateComplete;
  return el;
}

/** Closes whatever Link/dialog a test left open, so the page's single Link slot is free again. */
afterEach(async () => {
  for (const el of document.querySelectorAll('mesh-pay-button')) (el as MeshPayButton).reset();
  for (const dialog of document.querySelectorAll('dialog.mesh-pay-dialog')) dialog.remove();
  sessionStorage.clear();
});

describe('<mesh-pay-button> at rest', () => {
  it('renders an accessible, labelled button in the idle state', async () => {
    const el = await mount(orderId('idle'));
    expect(el.getAttribute('status')).to.equal('idle');
    expect(el.matches(':state(idle)')).to.equal(true);
    expect(labelOf(el)).to.equal('Pay with crypto');
    expect(buttonOf(el).getAttribute('aria-busy')).to.equal('false');
    await expect(el).to.be.accessible();
  });

  it('uses the label attribute and is disabled by the disabled attribute', async () => {
    const id = orderId('disabled');
    const el = await mount(id, { label: 'Pay 10 USDC', disabled: true });
    expect(labelOf(el)).to.equal('Pay 10 USDC');
    expect(buttonOf(el).disabled).to.equal(true);
    buttonOf(el).click();
    el.pay();
    await nextFrame();
    expect(el.status).to.equal('idle');
    expect((await kit.log()).tokenCalls[id]).to.equal(undefined);
    await expect(el).to.be.accessible();
  });
});

describe('paying', () => {
  it('walks preparing → open → confirming and only the server stream makes it succeeded', async () => {
    const id = orderId('happy');
    const el = await mount(id);
    const mark = events.length;
    const opened = oneEvent(el, 'mesh-open');
    buttonOf(el).click();
    expect(el.status).to.equal('preparing');
    await el.updateComplete;
    expect(buttonOf(el).getAttribute('aria-busy')).to.equal('true');
    expect(liveRegionOf(el).textContent).to.equal('Preparing your payment');

    const { detail: openDetail } = await opened;
    const tx = openDetail.transactionId;
    expect(openDetail.renderType).to.equal('embedded');
    expect(el.status).to.equal('open');
    expect(el.matches(':state(open)')).to.equal(true);
    const dialog = openDialog();
    expect(dialog, 'Link dialog').to.not.equal(null);
    expect(dialog!.parentElement).to.equal(document.body);
    const iframe = dialog!.querySelector('iframe')!;
    expect(iframe.title).to.equal('Mesh Link payment');
    expect(document.getElementById(iframe.id)).to.equal(iframe);

    const finished = await oneEvent(el, 'mesh-transfer-finished');
    expect(finished.detail.transferId).to.equal('tr-1');
    expect(el.status).to.equal('confirming');
    expect(labelOf(el)).to.equal('Confirming…');
    expect(el.matches(':state(confirming)')).to.equal(true);
    expect(liveRegionOf(el).textContent).to.equal('Transfer sent. Confirming the payment');
    await expect(el).to.be.accessible();

    // The browser never learns the access token; the kit's return-user route does.
    const connected = since(mark, 'mesh-integration-connected');
    expect(connected).to.have.length(1);
    expect(JSON.stringify(connected[0]!.detail)).to.not.include('secret-access-token');
    expect(JSON.stringify(connected[0]!.detail)).to.not.include('secret-refresh-token');
    expect(JSON.stringify(since(mark, 'mesh-event'))).to.not.include('secret-');
    await waitUntil(async () => (await kit.log()).integrations.some((i) => i.tx === tx), 'integration posted to the kit');
    const saved = (await kit.log()).integrations.find((i) => i.tx === tx)!;
    expect(saved.cap).to.equal('test-capability');
    expect(JSON.stringify(saved.body)).to.include('secret-access-token');
    const sdkEvents = since(mark, 'mesh-event').map((e) => (e.detail as { type: string }).type);
    expect(sdkEvents).to.include.members(['pageLoaded', 'integrationSelected', 'integrationConnected', 'transferCompleted']);

    // A pending status keeps it confirming; only `succeeded` from the server means paid.
    const pendingSeen = oneEvent(el, 'mesh-status');
    await kit.emit(tx, 'pending');
    expect((await pendingSeen).detail.status).to.equal('pending');
    expect(el.status).to.equal('confirming');
    const saved1 = JSON.parse(sessionStorage.getItem(`mesh-pay:/kit/token#${id}`)!);
    expect(saved1).to.include({ status: 'confirming', transactionId: tx, lastEventId: '1' });

    const succeededSeen = oneEvent(el, 'mesh-status');
    await kit.emit(tx, 'succeeded', { txHash: '0xabc', sourceAmount: '10.000000000000000001' });
    const status = await succeededSeen;
    expect(status.detail).to.include({ status: 'succeeded', txHash: '0xabc', sourceAmount: '10.000000000000000001', transactionId: tx, eventId: '2' });
    expect(el.status).to.equal('succeeded');
    expect(el.getAttribute('status')).to.equal('succeeded');
    expect(el.matches(':state(succeeded)')).to.equal(true);
    expect(el.matches(':state(confirming)')).to.equal(false);
    expect(labelOf(el)).to.equal('Paid');
    expect(liveRegionOf(el).textContent).to.equal('Payment confirmed');
    await expect(el).to.be.accessible();

    // Closing Link now changes nothing: the payment is settled.
    const exited = oneEvent(el, 'mesh-exit');
    dialog!.querySelector<HTMLButtonElement>('.mesh-pay-dialog__close')!.click();
    await exited;
    expect(openDialog()).to.equal(null);
    expect(el.status).to.equal('succeeded');
    // A click on a paid button does not start another payment.
    buttonOf(el).click();
    expect(el.status).to.equal('succeeded');
    expect((await kit.log()).tokenCalls[id]).to.equal(1);
    expect(since(mark, 'mesh-error')).to.have.length(0);
  });
});
