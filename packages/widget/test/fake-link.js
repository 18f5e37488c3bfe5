// A stand-in for Mesh's Link page: speaks the SDK's real postMessage protocol according to
// `?scenario=` so the REAL @meshconnect/web-link-sdk runs against it in the tests.
//   succeed  loaded → (meshSDKSpecs) → integrationSelected, brokerageAccountAccessToken, transferFinished; done on closeRequested
//   idle     loaded; close on closeRequested
//   exit     loaded → (meshSDKSpecs) → close
//   broken   loaded → (meshSDKSpecs) → done {errorMessage: 'Integration unavailable'} (nothing connected yet)
//   initiated / executed  loaded → (meshSDKSpecs) → integrationConnected, transferInitiated / transferExecuted
//            and no success screen; close on closeRequested (the customer closes Link mid-transfer)
const params = new URLSearchParams(location.search);
const scenario = params.get('scenario') ?? 'succeed';
const phase = document.getElementById('phase');
const received = [];

function post(type, payload) {
  window.parent.postMessage(payload === undefined ? { type } : { type, payload }, '*');
}

function report() {
  void fetch('/kit/link-log', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scenario, search: location.search, received }),
  });
}

function play() {
  switch (scenario) {
    case 'succeed':
      post('integrationSelected', { integrationType: 'coinbase', integrationName: 'Coinbase' });
      post('brokerageAccountAccessToken', {
        accountTokens: [{ account: { accountId: 'acc-1', accountName: 'Main' }, accessToken: 'secret-access-token', refreshToken: 'secret-refresh-token', tokenId: 'tok-1' }],
        brokerType: 'coinbase',
        brokerName: 'Coinbase',
        brokerBrandInfo: { brokerLogo: '' },
        expiresInSeconds: 600,
      });
      post('transferFinished', {
        status: 'success', txId: 'chain-tx-1', fromAddress: '0xfrom', toAddress: '0xto', symbol: 'USDC',
        amount: 10, networkId: 'net-1', transferId: 'tr-1', txHash: '0xhash', networkName: 'Ethereum',
      });
      phase.textContent = 'transfer finished';
      break;
    case 'exit':
      post('close', { page: 'home' });
      break;
    case 'initiated':
    case 'executed':
      post('brokerageAccountAccessToken', {
        accountTokens: [{ account: { accountId: 'acc-1', accountName: 'Main' }, accessToken: 'secret-access-token', tokenId: 'tok-1' }],
        brokerType: 'coinbase',
        brokerName: 'Coinbase',
        brokerBrandInfo: { brokerLogo: '' },
      });
      if (scenario === 'initiated') post('transferInitiated', { integrationType: 'coinbase', integrationName: 'Coinbase', status: 'pending' });
      else post('transferExecuted', { status: 'pending', txId: 'chain-tx-2', fromAddress: '0xfrom', toAddress: '0xto', symbol: 'USDC', amount: 10, networkId: 'net-1' });
      phase.textContent = scenario;
      break;
    case 'broken':
      post('done', { page: 'error', errorMessage: 'Integration unavailable' });
      break;
    default:
      phase.textContent = 'waiting';
  }
}

window.addEventListener('message', (event) => {
  const type = event.data?.type;
  if (!type) return;
  received.push({ type, payload: event.data.payload ?? null });
  report();
  if (type === 'meshSDKSpecs') play();
  if (type === 'closeRequested') post(scenario === 'succeed' ? 'done' : 'close', { page: phase.textContent });
});

post('loaded');
