// The sandbox Link page. Plain browser JavaScript (served as is), no inline code: it runs under
// `script-src 'self'; style-src 'self'`. It speaks @meshconnect/web-link-sdk's postMessage
// protocol with window.parent, and talks to its own sandbox server for the "exchange" side.
// The same page, in `pay` mode, is the top-level hosted pay page of a pay link (no parent).

const session = JSON.parse(document.getElementById('mesh-session').textContent);
const screen = document.getElementById('screen');
const announcer = document.getElementById('announcer');
const scenarioSelect = document.getElementById('scenario');
const closeButton = document.getElementById('close-button');

/** What the session did so far, for the `close`/`done` summary (the SDK's SessionSummary). */
const state = {
  page: 'startPage',
  integration: null,
  access: null,
  returning: false,
  optionIndex: 0,
  customAmount: null,
  preview: null,
  transfer: null,
  ended: false,
  sdkOrigin: null,
};

// ---------------------------------------------------------------- protocol with the SDK

/** Messages waiting for the SDK to say who it is (meshSDKSpecs). */
const outbox = [];

/**
 * Posts one SDK message to the host page. Only `loaded` (which carries nothing) goes out before the
 * host proved an allowed origin; everything else (tokens, transfer details) waits for it and is
 * then posted to that origin only, never to `*`. A host that is not allowed gets nothing more.
 */
function post(type, payload) {
  if (window.parent === window) return;
  const message = payload === undefined ? { type } : { type, payload };
  if (type === 'loaded') return window.parent.postMessage(message, '*');
  if (state.sdkOrigin) window.parent.postMessage(message, state.sdkOrigin);
  else outbox.push(message);
}

/** An origin the sandbox's frameAncestors allow, and the one actually framing this page. */
function trustedParent(origin) {
  if (!(session.parentOrigins || []).includes(origin)) return false;
  // Chromium and Safari tell the page who frames it; the claimed origin must be that one.
  const ancestors = window.location.ancestorOrigins;
  return !ancestors || ancestors.length === 0 || ancestors[0] === origin;
}

function summary(extra) {
  const s = { page: state.page };
  if (state.integration) {
    s.selectedIntegration = {
      id: state.integration.id,
      name: state.integration.name,
      integrationType: state.integration.type,
      integrationName: state.integration.name,
    };
  }
  if (state.transfer) {
    s.transfer = {
      previewId: state.preview && state.preview.previewId,
      symbol: state.transfer.symbol,
      amount: state.transfer.amount,
      amountInFiat: state.transfer.amountInFiat,
      transactionId: state.transfer.clientTransactionId,
      networkId: state.transfer.networkId,
    };
  }
  return Object.assign(s, extra);
}

/** Ends the session: `close` (cancelled, failed to start, asked to) or `done` (transfer made). */
function end(type, extra) {
  if (state.ended) return;
  state.ended = true;
  post(type, summary(extra));
  // A pay page has no host to close it: it says the session is over instead.
  if (session.mode === 'pay' && type === 'done') {
    show('payDonePage', 'Payment sent', h('p', {}, 'The merchant confirms the payment once it settles. You can close this page.'));
  }
}

let resolveSpecs;
/** A returning customer's token check, while it runs. */
let resuming = null;
const specsArrived = new Promise((resolve) => (resolveSpecs = resolve));

window.addEventListener('message', (event) => {
  if (event.source !== window.parent || !event.data || typeof event.data !== 'object') return;
  const { type, payload } = event.data;
  if (type === 'meshSDKSpecs') {
    if (!state.sdkOrigin && payload && payload.origin === event.origin && trustedParent(event.origin)) {
      state.sdkOrigin = event.origin;
      for (const message of outbox.splice(0)) window.parent.postMessage(message, state.sdkOrigin);
    }
    resolveSpecs();
  } else if (type === 'frontAccessTokens' && state.sdkOrigin === event.origin) {
    resuming = resumeReturningUser(Array.isArray(payload) ? payload : []);
  } else if (type === 'closeRequested') {
    end('close');
  }
});

// ---------------------------------------------------------------- sandbox server calls

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function api(action, body) {
  const response = await fetch(`${session.apiBase}${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Link-Session': session.sessionKey },
    body: JSON.stringify(body || {}),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(data.message || `Request failed (${response.status})`, response.status);
  return data.content;
}

// ---------------------------------------------------------------- DOM helpers (no innerHTML)

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function show(page, title, ...content) {
  state.page = page;
  const heading = h('h1', { class: 'screen__title', tabindex: '-1', id: 'screen-title' }, title);
  screen.replaceChildren(heading, ...content.filter((c) => c !== null && c !== undefined && c !== false));
  screen.dataset.page = page;
  screen.setAttribute('aria-labelledby', 'screen-title');
  heading.focus({ preventScroll: true });
  announcer.textContent = title;
  autoplay();
}

function fiat(amount) {
  const n = Number(amount);
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: session.fiatCurrency || 'USD' }).format(n);
  } catch {
    return `${amount} ${session.fiatCurrency || 'USD'}`;
  }
}

/** A crypto amount with all of its token's decimals (USDC 6, ETH 18), as wallets show it. */
function tokenAmount(amount, decimals) {
  const [whole, fraction = ''] = String(amount).split('.');
  return decimals > 0 ? `${whole}.${fraction.padEnd(decimals, '0')}` : whole;
}

function shortAddress(address) {
  return address.length > 16 ? `${address.slice(0, 8)}…${address.slice(-6)}` : address;
}

function badge(integration) {
  return h('span', { class: 'badge', 'data-brand': integration.name, 'aria-hidden': 'true' }, integration.name[0]);
}

function scenario() {
  return scenarioSelect.value;
}

function errorLine(message) {
  return h('p', { class: 'error', role: 'alert' }, message);
}

/**
 * A form the page checks itself (novalidate: our own announced message, not the browser's bubble);
 * `submit` runs on submit, the page never navigates.
 */
function checkedForm(submit, ...children) {
  return h('form', { class: 'form', novalidate: true, onsubmit: (e) => (e.preventDefault(), submit()) }, ...children);
}

/** Says why `form` cannot go on (one message at a time, announced) and puts the customer back on `input`. */
function refuse(form, input, message) {
  form.querySelector('.error')?.remove();
  form.prepend(errorLine(message));
  input.focus();
}

// ---------------------------------------------------------------- screens

function option() {
  return session.options[state.optionIndex] || session.options[0];
}

function requestSummary() {
  const o = option();
  if (!o) return null;
  const amount = session.amountInFiat ? `${fiat(session.amountInFiat)} in ` : '';
  return h('p', { class: 'lead' }, `Pay ${amount}${o.symbol} on ${o.networkName}`);
}

function showSelect() {
  const list = h(
    'ul',
    { class: 'integrations', role: 'list' },
    session.integrations.map((integration) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'integration',
            'data-integration': integration.name,
            onclick: () => selectIntegration(integration),
          },
          badge(integration),
          h('span', { class: 'integration__name' }, integration.name),
          h('span', { class: 'integration__kind' }, integration.kind === 'wallet' ? 'Wallet' : 'Exchange'),
        ),
      ),
    ),
  );
  show('integrationsPage', 'Pay with an exchange or wallet', requestSummary(), list);
}

async function selectIntegration(integration) {
  state.integration = integration;
  post('integrationSelected', { integrationType: integration.type, integrationName: integration.name });
  if (scenario() === 'expired') return expireSession();
  showAuth();
}

function showAuth() {
  const integration = state.integration;
  const back = h('button', { type: 'button', class: 'button button--ghost', onclick: showSelect }, 'Back');
  if (integration.kind === 'wallet') {
    const connect = h('button', { type: 'submit', class: 'button button--primary', id: 'connect' }, `Connect ${integration.name}`);
    const form = h(
      'form',
      { class: 'form', onsubmit: (e) => (e.preventDefault(), submitCredentials(form)) },
      h('p', {}, `Approve the connection request in ${integration.name}.`),
      h('p', { class: 'hint' }, 'Sandbox: no wallet needed, the connection is simulated.'),
      h('div', { class: 'actions' }, back, connect),
    );
    return show('walletConnectPage', `Connect ${integration.name}`, badge(integration), form);
  }
  const form = checkedForm(
    () => submitCredentials(form),
    h('label', { for: 'username' }, 'Email or username'),
    h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true }),
    h('label', { for: 'password' }, 'Password'),
    h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    h('p', { class: 'hint' }, 'Sandbox: any username and password work.'),
    h('div', { class: 'actions' }, back, h('button', { type: 'submit', class: 'button button--primary', id: 'sign-in' }, 'Sign in')),
  );
  show('credentialsPage', `Sign in to ${integration.name}`, form);
}

function submitCredentials(form) {
  const fields = form.querySelectorAll('input[required]');
  for (const input of fields) {
    if (!input.value.trim()) return refuse(form, input, 'Enter your username and password.');
  }
  post('credentialsEntered');
  if (scenario() === 'mfa') return showMfa();
  void connect();
}

function showMfa() {
  post('integrationMfaRequired');
  const input = h('input', {
    id: 'mfa-code',
    name: 'code',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: '6',
    required: true,
    'aria-describedby': 'mfa-hint',
  });
  const form = checkedForm(
    () => {
      if (!/^\d{6}$/.test(input.value.trim())) return refuse(form, input, 'Enter the 6-digit code.');
      post('integrationMfaEntered');
      void connect(input.value.trim());
    },
    h('label', { for: 'mfa-code' }, `Code from ${state.integration.name}`),
    input,
    h('p', { class: 'hint', id: 'mfa-hint' }, 'Sandbox: any 6 digits, e.g. 123456.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button--primary', id: 'verify' }, 'Verify')),
  );
  show('mfaPage', 'Two-step verification', form);
}

async function connect(mfaCode) {
  show('connectingPage', `Connecting ${state.integration.name}…`, h('p', { class: 'muted', 'aria-busy': 'true' }, 'Checking your account.'));
  try {
    const token = await api('connect', { integrationId: state.integration.id, mfaCode });
    state.access = token;
    post('brokerageAccountAccessToken', token);
    if (!session.options.length) return showConnected();
    await showPreview();
  } catch (error) {
    if (!handleExpired(error)) showFailure(error);
  }
}

async function resumeReturningUser(accessTokens) {
  if (!accessTokens.length || state.integration || state.ended) return;
  try {
    const match = await api('resume', { accessTokens });
    if (!match || state.integration) return;
    state.integration = match.integration;
    state.access = match.access;
    state.returning = true;
    await showPreview();
  } catch (error) {
    handleExpired(error);
  }
}

async function showPreview() {
  post('transferStarted', { integrationType: state.integration.type, integrationName: state.integration.name });
  let preview;
  try {
    preview = await api('preview', { optionIndex: state.optionIndex, amountInFiat: state.customAmount });
  } catch (error) {
    if (handleExpired(error)) return;
    post('transferPreviewError', { errorMessage: error.message });
    return showFailure(error);
  }
  state.preview = preview;
  post('transferAssetSelected', { symbol: preview.symbol });
  post('transferNetworkSelected', { id: preview.networkId, name: preview.networkName });
  post('transferPreviewed', {
    amount: Number(preview.amount),
    symbol: preview.symbol,
    toAddress: preview.toAddress,
    networkId: preview.networkId,
    previewId: preview.previewId,
    networkName: preview.networkName,
    amountInFiat: Number(preview.amountInFiat),
    fiatCurrency: 'USD',
    integrationType: state.integration.type,
    integrationName: state.integration.name,
    userId: session.userId,
    clientTransactionId: session.transactionId || undefined,
  });

  const parts = [];
  if (session.options.length > 1) {
    const select = h(
      'select',
      {
        id: 'asset-network',
        onchange: () => {
          state.optionIndex = Number(select.value);
          void showPreview();
        },
      },
      session.options.map((opt, i) =>
        h('option', { value: String(i), selected: i === state.optionIndex }, `${opt.symbol} on ${opt.networkName}`),
      ),
    );
    parts.push(h('label', { for: 'asset-network' }, 'Asset and network'), select);
  }
  if (preview.customerSetsAmount) {
    const input = h('input', { id: 'amount', name: 'amount', inputmode: 'decimal', value: preview.amountInFiat, 'aria-describedby': 'amount-hint' });
    const form = checkedForm(
      () => {
        const value = input.value.trim();
        if (!/^\d{1,9}(\.\d{1,2})?$/.test(value) || Number(value) <= 0) return refuse(form, input, 'Enter an amount in USD, like 12.50.');
        state.customAmount = value;
        post('transferAmountEntered');
        void showPreview();
      },
      h('label', { for: 'amount' }, `Amount (${session.fiatCurrency || 'USD'})`),
      input,
      h('p', { class: 'hint', id: 'amount-hint' }, 'The merchant left the amount to you.'),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button--ghost', id: 'update-amount' }, 'Update amount')),
    );
    parts.push(form);
  }
  const details = h(
    'dl',
    { class: 'details' },
    h('dt', {}, 'Amount'),
    h('dd', { id: 'preview-fiat' }, fiat(preview.amountInFiat)),
    h('dt', {}, 'You send'),
    h('dd', { id: 'preview-amount', class: 'mono' }, `${tokenAmount(preview.amount, preview.decimals)} ${preview.symbol}`),
    h('dt', {}, 'Network'),
    h('dd', { id: 'preview-network' }, preview.networkName),
    h('dt', {}, 'To'),
    h('dd', { class: 'mono', title: preview.toAddress }, shortAddress(preview.toAddress)),
    h('dt', {}, 'From'),
    h('dd', {}, `${state.integration.name} · ${state.access?.accountTokens?.[0]?.account?.accountName ?? 'account'}`),
  );
  const confirm = h('button', { type: 'button', class: 'button button--primary', id: 'confirm', onclick: confirmTransfer }, 'Confirm');
  const cancel = h('button', { type: 'button', class: 'button button--ghost', id: 'cancel', onclick: () => cancelSession() }, 'Cancel');
  show(
    'transferPreviewPage',
    'Review transfer',
    state.returning ? h('p', { class: 'hint', id: 'returning' }, `Welcome back: signed in with ${state.integration.name}.`) : null,
    ...parts,
    details,
    h('p', { class: 'hint' }, `Sandbox price: 1 ${preview.symbol} = ${preview.priceUsd} ${session.fiatCurrency || 'USD'}.`),
    h('div', { class: 'actions' }, cancel, confirm),
  );
}

async function confirmTransfer() {
  if (scenario() === 'cancel') return cancelSession();
  const chosen = scenario();
  const outcome = chosen === 'fail' || chosen === 'close-after-approve' ? chosen : 'succeed';
  post('transferInitiated', { integrationType: state.integration.type, integrationName: state.integration.name, status: 'pending' });
  show('transferProcessingPage', 'Sending…', h('p', { class: 'muted', 'aria-busy': 'true' }, `Asking ${state.integration.name} to send the transfer.`));
  let finished;
  try {
    finished = await api('execute', { previewId: state.preview.previewId, scenario: outcome });
  } catch (error) {
    if (handleExpired(error)) return;
    post('transferExecutionError', { errorMessage: error.message });
    return showFailure(error);
  }
  state.transfer = finished;
  post('transferExecuted', {
    status: 'pending',
    txId: finished.txId,
    fromAddress: finished.fromAddress,
    toAddress: finished.toAddress,
    symbol: finished.symbol,
    amount: finished.amount,
    networkId: finished.networkId,
    userId: session.userId,
    clientTransactionId: finished.clientTransactionId,
  });
  if (outcome === 'close-after-approve') return showApproved(finished);
  post('transferFinished', finished);
  showDone(finished);
}

/**
 * The customer approved and the exchange accepted the transfer, but Link has not reached its
 * success screen: closing now is not a cancel. The payment goes on (webhooks still come); Link
 * posts no `transferFinished`, and the close summary carries the transfer.
 */
function showApproved(finished) {
  const close = h('button', { type: 'button', class: 'button button--ghost', id: 'close-approved', onclick: () => closeAfterApprove() }, 'Close');
  show(
    'transferProcessingPage',
    'Transfer approved',
    h('p', {}, `${state.integration.name} is sending ${tokenAmount(state.preview.amount, state.preview.decimals)} ${finished.symbol} on ${finished.networkName}.`),
    h('p', { class: 'hint' }, 'You can close this window: the merchant confirms the payment once it settles.'),
    h('div', { class: 'actions' }, close),
  );
}

function closeAfterApprove() {
  if (state.ended) return;
  end('close');
  if (session.mode === 'pay') show('closedPage', 'Transfer approved', h('p', {}, 'The merchant confirms the payment once it settles. You can close this page.'));
}

/** A token request without transferOptions only connects an account. */
function showConnected() {
  const done = h('button', { type: 'button', class: 'button button--primary', id: 'done', onclick: () => end('done') }, 'Done');
  show('integrationConnectedPage', `${state.integration.name} connected`, h('div', { class: 'actions' }, done));
}

function showDone(finished) {
  const done = h('button', { type: 'button', class: 'button button--primary', id: 'done', onclick: () => end('done') }, 'Done');
  show(
    'transferExecutedPage',
    'Transfer submitted',
    h('p', {}, `${state.integration.name} accepted your transfer of ${tokenAmount(state.preview.amount, state.preview.decimals)} ${finished.symbol} on ${finished.networkName}.`),
    h('p', { class: 'hint' }, 'The merchant confirms the payment once it settles on-chain.'),
    h('dl', { class: 'details' }, h('dt', {}, 'Transfer'), h('dd', { class: 'mono' }, finished.transferId)),
    h('div', { class: 'actions' }, done),
  );
}

function cancelSession() {
  if (state.ended) return;
  if (state.transfer) return closeAfterApprove();
  end('close');
  show('closedPage', 'Payment cancelled', h('p', {}, 'No transfer was made. You can close this window.'));
}

function showFailure(error) {
  const retry = h('button', { type: 'button', class: 'button button--primary', onclick: showSelect }, 'Start over');
  show('errorPage', 'Something went wrong', errorLine(error.message), h('div', { class: 'actions' }, retry));
}

/**
 * Link token expired, reused or unknown: a generic Link error, as Mesh shows it (no error code),
 * and `close` with the message so the host's onExit gets it (it may mint a new token).
 */
function showExpired(message) {
  show('errorPage', 'This link has expired', errorLine(message), h('p', {}, 'Close this window and start the payment again.'));
  end('close', { errorMessage: message });
}

function handleExpired(error) {
  if (error instanceof ApiError && error.status === 410) {
    showExpired(error.message);
    return true;
  }
  return false;
}

async function expireSession() {
  try {
    await api('expire');
  } catch {
    // Already gone: the outcome is the same.
  }
  showExpired('The link session expired (sandbox scenario).');
}

// ---------------------------------------------------------------- autoplay (hands-free runs)

let autoplayTimer;
function autoplay() {
  if (!session.autoplay || state.ended) return;
  clearTimeout(autoplayTimer);
  autoplayTimer = setTimeout(() => {
    const click = (selector) => screen.querySelector(selector)?.click();
    const fill = (selector, value) => {
      const input = screen.querySelector(selector);
      if (input) input.value = value;
    };
    switch (state.page) {
      case 'integrationsPage':
        click('button.integration');
        break;
      case 'credentialsPage':
        fill('#username', 'sandbox-user@example.com');
        fill('#password', 'sandbox-password');
        screen.querySelector('form')?.requestSubmit();
        break;
      case 'walletConnectPage':
      case 'mfaPage':
        fill('#mfa-code', '123456');
        screen.querySelector('form')?.requestSubmit();
        break;
      case 'transferPreviewPage':
        click(session.autoplay === 'cancel' ? '#cancel' : '#confirm');
        break;
      case 'transferExecutedPage':
      case 'integrationConnectedPage':
        click('#done');
        break;
      case 'transferProcessingPage':
        click('#close-approved');
        break;
      default:
        break;
    }
  }, 120);
}

// ---------------------------------------------------------------- start

closeButton.addEventListener('click', () => cancelSession());
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !state.ended && (state.page !== 'transferProcessingPage' || state.transfer)) {
    event.preventDefault();
    if (state.page === 'transferExecutedPage') end('done');
    else cancelSession();
  }
});

async function start() {
  if (session.autoplay) scenarioSelect.value = session.autoplay;
  post('loaded');
  if (session.error) {
    showExpired(session.error.message);
    return;
  }
  // The SDK answers `loaded` with meshSDKSpecs and, for a returning customer, frontAccessTokens.
  // A hands-free run waits briefly for them so a returning customer skips sign-in like a person would.
  if (session.autoplay && session.mode !== 'pay') {
    await Promise.race([specsArrived, new Promise((r) => setTimeout(r, 500))]);
    await new Promise((r) => setTimeout(r, 60));
    if (resuming) await resuming;
  }
  if (state.integration) return; // resumed as a returning customer
  const preselected = session.integrations.find((i) => i.id === session.integrationId);
  if (preselected) return selectIntegration(preselected);
  showSelect();
}

void start();
