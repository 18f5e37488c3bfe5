// The shop page's behaviour: give the order an id, mirror the button's status in words, and keep
// the merchant ledger fresh. No framework, no build step; CSP-clean (no inline anything).

const ORDER_ID = /^[A-Za-z0-9_-]{1,64}$/;

const $ = (id) => document.getElementById(id);
const button = $('pay');
const statusLine = $('status');
const statusText = $('status-text');
const newOrder = $('new-order');

/** Words for each button status; `error` shows the error's own message. */
const MESSAGES = {
  idle: 'Ready when you are.',
  preparing: 'Preparing a secure payment link…',
  open: 'Finish the transfer in the Mesh window.',
  confirming: 'Transfer sent. Waiting for Mesh to confirm it…',
  succeeded: 'Paid. Thank you, your order is confirmed.',
  failed: 'The transfer failed. Nothing was charged; try again.',
  cancelled: 'Payment cancelled. You can try again whenever you like.',
  error: 'Something went wrong. Please try again.',
};
const FINISHED = new Set(['succeeded', 'failed', 'cancelled', 'error']);

function newOrderId() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `order-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function orderIdFromUrl() {
  const wanted = new URLSearchParams(location.search).get('order');
  return wanted && ORDER_ID.test(wanted) ? wanted : undefined;
}

// The order survives a reload (the button then picks its payment up where it was); a new one
// starts only when the shopper asks for it. Storage can be unavailable: then every visit is new.
const ORDER_KEY = 'sticker-harbor:order';
const remembered = () => {
  try {
    const id = sessionStorage.getItem(ORDER_KEY);
    return id && ORDER_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
};
const remember = (id) => {
  try {
    if (id) sessionStorage.setItem(ORDER_KEY, id);
    else sessionStorage.removeItem(ORDER_KEY);
  } catch {
    // best effort
  }
};

let orderId = orderIdFromUrl() ?? remembered() ?? newOrderId();
let lastError = '';

function setOrder(id) {
  orderId = id;
  remember(id);
  button.setAttribute('order-id', id);
  $('order-id').textContent = id;
}

function showStatus(status) {
  const known = Object.hasOwn(MESSAGES, status) ? status : 'idle';
  statusLine.dataset.status = known;
  statusText.textContent = known === 'error' && lastError ? lastError : MESSAGES[known];
  newOrder.hidden = !(known === 'succeeded');
  if (FINISHED.has(known)) refreshLedger();
}

// Before the button is defined (this script runs first), so it starts with its order.
setOrder(orderId);

// The button reflects its status as an attribute: one observer covers every path into every state.
new MutationObserver(() => showStatus(button.getAttribute('status') ?? 'idle')).observe(button, {
  attributes: true,
  attributeFilter: ['status'],
});
button.addEventListener('mesh-error', (event) => {
  lastError = event.detail?.message ? `${event.detail.message}` : '';
  if (button.getAttribute('status') === 'error') showStatus('error');
});
button.addEventListener('mesh-status', () => refreshLedger());

newOrder.addEventListener('click', () => {
  // A fresh page is the simplest way back to `idle` for a brand-new order.
  remember(undefined);
  const url = new URL(location.href);
  url.searchParams.delete('order');
  location.assign(url);
});

const money = (amount, token) => (amount ? `${amount} ${token ?? ''}`.trim() : '—');
const shortHash = (hash) => (hash && hash.length > 14 ? `${hash.slice(0, 8)}…${hash.slice(-4)}` : hash || '—');
const timeOf = (iso) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
};

function el(tag, className, text, title) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (title) node.title = title;
  return node;
}

function renderLedger(entries) {
  const items = entries
    .slice()
    .reverse()
    .map((e) => {
      const li = el('li', e.orderId === orderId ? 'entry mine' : 'entry');
      li.dataset.transferId = e.transferId;
      const head = el('div', 'entry__head');
      head.append(el('span', 'entry__order mono', e.orderId || '—'), el('time', 'entry__time', timeOf(e.creditedAt)));
      head.lastChild.dateTime = e.creditedAt;
      const amount = el('div', 'entry__amount num', money(e.sourceAmount, e.token));
      const meta = el('div', 'entry__meta');
      meta.append(el('span', '', e.chain ?? ''), el('span', 'mono', `tx ${shortHash(e.txHash)}`, e.txHash ?? undefined));
      li.append(head, amount, meta);
      return li;
    });
  if (items.length === 0) items.push(el('li', 'empty', 'No credits yet.'));
  $('ledger-rows').replaceChildren(...items);
  $('ledger-updated').textContent = `updated ${timeOf(new Date().toISOString())}`;
}

let inFlight = false;
async function refreshLedger() {
  if (inFlight) return;
  inFlight = true;
  try {
    const res = await fetch('/api/ledger', { headers: { accept: 'application/json' } });
    if (res.ok) renderLedger((await res.json()).entries ?? []);
  } catch {
    // Offline for a moment: the next tick tries again.
  } finally {
    inFlight = false;
  }
}

async function loadShop() {
  try {
    const res = await fetch('/api/shop');
    if (!res.ok) return;
    const shop = await res.json();
    $('item-name').textContent = shop.item.name;
    $('item-description').textContent = shop.item.description;
    $('pay-with').textContent = `${shop.token} on ${shop.chain}`;
    $('total').textContent = `${shop.amountInFiat} ${shop.fiatCurrency}`;
    const env = $('env');
    env.textContent = shop.mesh === 'local-sandbox' ? 'Local Mesh sandbox' : shop.mesh === 'production' ? 'Mesh production' : 'Mesh sandbox';
    env.dataset.mesh = shop.mesh;
    env.hidden = false;
  } catch {
    // The static summary in the HTML stays.
  }
}

loadShop();
refreshLedger();
setInterval(() => {
  if (document.visibilityState === 'visible') refreshLedger();
}, 3000);

customElements.whenDefined('mesh-pay-button').then(() => showStatus(button.getAttribute('status') ?? 'idle'));
setTimeout(() => {
  if (!customElements.get('mesh-pay-button')) {
    statusLine.dataset.status = 'error';
    statusText.textContent = 'The pay button did not load. Run `npm run build` and reload.';
  }
}, 5000);
