// A shop whose theme fights everything: a global reset with `!important`, buttons, dialogs and iframes
// hidden or squashed, every div raised to the top z-index, fonts blown up, undefined custom elements
// hidden. The customer still sees the button, opens Link (fake page, real SDK), reads the hint and
// presses Continue, and closes Link again, all with real pointer and key input.
import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys, sendMouse } from '@web/test-runner-commands';
import './mesh-pay-button.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { buttonOf, dialogHostOf, dialogPart, kit, linkFrameOf, linkPageReceived, openDialog, orderId, resetPage, statusBecomes } from '../test/browser-kit.js';

/** The theme, with the global reset it starts from (`revert` and `unset` are the two themes ship). */
const hostileTheme = (reset: 'revert' | 'unset') => `
  * { all: ${reset} !important; }
  html, body, * { font-size: 64px !important; line-height: 3 !important; }
  button { display: none !important; }
  dialog { display: none !important; }
  dialog::backdrop { display: none !important; }
  iframe { height: 0 !important; width: 0 !important; border: 40px solid red !important; }
  div { z-index: 2147483647 !important; position: relative !important; }
  *:not(:defined) { display: none !important; }
  section, ol, li, h2, p { visibility: hidden !important; }
`;

const theme = new CSSStyleSheet();
document.adoptedStyleSheets = [...document.adoptedStyleSheets, theme];

/** Clicks the middle of `element` with the real mouse: whatever the page paints on top gets the click. */
async function press(element: Element): Promise<void> {
  // (`all: unset` shows even <head>'s script text: the theme pushes the button far down; the customer scrolls.)
  element.scrollIntoView({ block: 'center' });
  const box = element.getBoundingClientRect();
  expect(box.width > 0 && box.height > 0, `${element.localName} has a box`).to.equal(true);
  await sendMouse({
    type: 'click',
    position: [Math.round(box.left + box.width / 2), Math.round(box.top + box.height / 2)],
  });
}

afterEach(resetPage);

for (const reset of ['revert', 'unset'] as const) {
  describe(`the Link dialog on a page with a hostile theme (* { all: ${reset} !important })`, () => {
    before(() => theme.replaceSync(hostileTheme(reset)));

    it('shows the button, the hint and its Continue, opens Link full size, and closes', async () => {
      const id = orderId(`hostile-${reset}`);
      await kit.scenario(id, { link: 'idle' });
      // The theme's own markup around the button: a raised div, as themes do.
      const page = await fixture<HTMLDivElement>(
        html`<div class="theme-wrapper">
          <mesh-pay-button token-url="/kit/token" order-id=${id} hint="Allow withdrawals on your exchange">
            <p slot="hint">Coinbase: Settings → API → enable <b>transfer</b>.</p>
          </mesh-pay-button>
        </div>`,
      );
      const el = page.querySelector<MeshPayButton>('mesh-pay-button')!;
      await el.updateComplete;
      expect(buttonOf(el).checkVisibility(), 'the pay button shows').to.equal(true);

      await press(buttonOf(el));
      await waitUntil(() => openDialog() !== null, 'hint dialog');
      const dialog = openDialog()!;
      expect(dialog.checkVisibility(), 'the dialog shows').to.equal(true);
      const box = dialog.getBoundingClientRect();
      expect(box.width).to.be.greaterThan(300);
      expect(box.height).to.be.greaterThan(300);
      // The hint reads as written, in the customer's default text size, not the theme's 64px.
      const hint = dialogPart(dialog, 'hint');
      expect(hint.checkVisibility()).to.equal(true);
      expect(hint.textContent).to.include('Allow withdrawals on your exchange');
      expect(hint.textContent).to.include('Coinbase: Settings → API → enable transfer.');
      expect(getComputedStyle(hint).fontSize).to.equal('16px');
      expect(getComputedStyle(hint.querySelector('li')!).visibility).to.equal('visible');
      const proceed = dialogPart(dialog, 'continue');
      expect(proceed.checkVisibility(), 'Continue shows').to.equal(true);
      await expect(dialog).to.be.accessible();

      // Continue, with the real mouse: nothing the theme raised sits on top of it.
      const opened = oneEvent(el, 'mesh-open');
      await press(proceed);
      const tx = (await opened).detail.transactionId;
      await linkPageReceived(tx, 'meshSDKSpecs');
      const iframe = linkFrameOf(dialog);
      await waitUntil(() => !dialogPart(dialog, 'close').checkVisibility(), 'our close button gave way to Link’s');
      const frame = iframe.getBoundingClientRect();
      expect(iframe.checkVisibility(), 'Link shows').to.equal(true);
      expect(frame.height, 'the theme’s `iframe { height: 0 }` did not squash Link').to.be.greaterThan(300);
      expect(frame.width).to.be.closeTo(dialog.getBoundingClientRect().width, 1);
      expect(getComputedStyle(iframe).borderTopWidth, 'nor its red border').to.equal('0px');
      expect(document.elementFromPoint(frame.left + frame.width / 2, frame.top + frame.height / 2), 'Link is on top of the page').to.equal(iframe);
      expect(getComputedStyle(dialogHostOf(dialog)).display).to.equal('contents');
      await expect(dialog).to.be.accessible();

      // Escape asks Link to close; the page scrolls again.
      await sendKeys({ press: 'Escape' });
      await linkPageReceived(tx, 'closeRequested');
      await statusBecomes(el, 'cancelled');
      expect(openDialog()).to.equal(null);
      expect(getComputedStyle(document.documentElement).overflowY).to.equal('visible');
      expect(buttonOf(el).checkVisibility(), 'the button is still there to try again').to.equal(true);
    });

    it('shows our close button (and it closes) while Link has not loaded', async () => {
      const id = orderId(`hostile-close-${reset}`);
      await kit.scenario(id, {
        link: 'idle',
        linkUrl: 'http://127.0.0.1:9/link',
      });
      const el = await fixture<MeshPayButton>(html`<mesh-pay-button token-url="/kit/token" order-id=${id}></mesh-pay-button>`);
      await el.updateComplete;
      await press(buttonOf(el));
      await waitUntil(() => openDialog() !== null, 'Link dialog');
      const close = dialogPart(openDialog()!, 'close');
      expect(close.checkVisibility(), 'the theme’s `button { display: none }` does not hide it').to.equal(true);
      expect(close.getBoundingClientRect().width).to.equal(44);
      await press(close);
      await statusBecomes(el, 'cancelled');
      expect(openDialog()).to.equal(null);
    });
  });
}
