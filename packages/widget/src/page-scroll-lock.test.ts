// The page's scroll lock on its own, in real Chromium (classic scrollbars, see web-test-runner.config.mjs):
// whoever holds it, the page gets exactly its own styles back, and a page that already keeps its
// scrollbar's room, or shows none, is not shifted by ours.
import { expect } from '@open-wc/testing';
import { lockPageScroll } from './page-scroll-lock.js';

const root = document.documentElement;
const computed = () => getComputedStyle(root);

function holder(): HTMLElement {
  const el = document.createElement('div');
  document.body.append(el);
  return el;
}

let tall: HTMLElement;
beforeEach(() => {
  tall = document.createElement('div');
  tall.className = 'tall';
  tall.append(...Array.from({ length: 150 }, (_, i) => Object.assign(document.createElement('p'), { textContent: `line ${i}` })));
  document.body.append(tall);
});

afterEach(() => {
  tall.remove();
  for (const el of [...document.body.children]) if (el.localName === 'div') el.remove();
  root.removeAttribute('style');
  document.body.removeAttribute('style');
});

describe('the page scroll lock', () => {
  it('holds while any holder holds it; releasing twice is harmless; the page’s own overflow returns', () => {
    root.style.overflow = 'auto';
    const a = lockPageScroll(holder());
    const b = lockPageScroll(holder());
    expect(computed().overflowY).to.equal('hidden');
    a();
    a();
    expect(computed().overflowY, 'still held by the second').to.equal('hidden');
    b();
    expect(computed().overflowY).to.equal('auto');
    expect(root.getAttribute('style')).to.equal('overflow: auto;');
    expect(root.hasAttribute('data-mesh-pay-scroll-lock')).to.equal(false);
  });

  it('a holder the page removed without releasing (an SPA dropping the DOM) does not hold the page forever', () => {
    const dropped = holder();
    lockPageScroll(dropped);
    dropped.remove();
    const release = lockPageScroll(holder());
    release();
    expect(computed().overflowY).to.equal('visible');
  });

  it('keeps the room of a classic scrollbar, and leaves a page’s own scrollbar-gutter alone', () => {
    expect(window.innerWidth - root.clientWidth, 'a classic scrollbar shows').to.be.greaterThan(0);
    // The page's content box: what would widen (and shift centred content) if the scrollbar's room went.
    const width = tall.getBoundingClientRect().width;
    let release = lockPageScroll(holder());
    expect(computed().scrollbarGutter).to.equal('stable');
    expect(tall.getBoundingClientRect().width, 'nothing moved sideways').to.equal(width);
    release();
    expect(computed().scrollbarGutter).to.equal('auto');

    root.style.scrollbarGutter = 'stable both-edges';
    const own = tall.getBoundingClientRect();
    release = lockPageScroll(holder());
    expect(computed().scrollbarGutter).to.equal('stable both-edges');
    expect(tall.getBoundingClientRect().left).to.equal(own.left);
    expect(tall.getBoundingClientRect().width).to.equal(own.width);
    release();
  });

  it('reserves no gutter on a page that shows no scrollbar', () => {
    tall.replaceChildren(Object.assign(document.createElement('p'), { textContent: 'one short line' }));
    expect(window.innerWidth - root.clientWidth).to.equal(0);
    const width = tall.getBoundingClientRect().width;
    const release = lockPageScroll(holder());
    expect(computed().scrollbarGutter).to.equal('auto');
    expect(tall.getBoundingClientRect().width, 'no gutter appeared').to.equal(width);
    release();
  });

  it('holds a page that scrolls <body> instead of the viewport, without moving it or its content', () => {
    // An app-like theme: the viewport never scrolls, <body> does (and the dialog's host lives in it).
    root.style.cssText = 'overflow: hidden; height: 100%';
    document.body.style.cssText = 'overflow-y: auto; height: 100%; margin: 0';
    const body = document.body;
    expect(body.scrollHeight, 'the body has more to scroll').to.be.greaterThan(body.clientHeight);
    body.scrollTop = 300;
    const width = tall.getBoundingClientRect().width;
    const release = lockPageScroll(holder());
    expect(getComputedStyle(body).overflowY).to.equal('hidden');
    expect(getComputedStyle(body).overscrollBehaviorY).to.equal('none');
    expect(body.scrollTop, 'where the customer was').to.equal(300);
    expect(getComputedStyle(body).scrollbarGutter, 'the body showed a classic scrollbar').to.equal('stable');
    expect(tall.getBoundingClientRect().width, 'nothing moved sideways').to.equal(width);
    release();
    expect(getComputedStyle(body).overflowY).to.equal('auto');
    expect(body.getAttribute('style'), 'the page’s own inline style, untouched').to.equal('overflow-y: auto; height: 100%; margin: 0px;');
    expect(body.scrollTop).to.equal(300);
  });

  it('leaves <body> alone on a page that scrolls the viewport', () => {
    document.body.style.overflowY = 'auto'; // propagated to the viewport while <html> is visible
    const release = lockPageScroll(holder());
    expect(root.getAttribute('data-mesh-pay-scroll-lock')).to.not.include('body');
    expect(getComputedStyle(document.body).overflowY).to.equal('auto');
    release();
  });
});
