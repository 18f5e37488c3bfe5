import type { EnglishAfterIntent } from '../locales.js';

/** English strings shown only after the customer acted; part of the lazily loaded half. */
const enAfterIntent: EnglishAfterIntent = {
  open: 'Continue in Mesh…',
  succeeded: 'Paid',
  failed: 'Payment failed. Retry',
  cancelled: 'Pay with crypto',
  error: 'Retry',
  announce: {
    idle: '',
    open: 'Mesh Link is open',
    succeeded: 'Payment confirmed',
    failed: 'The payment failed',
    cancelled: 'Payment cancelled',
  },
  dialogLabel: 'Pay with Mesh',
  iframeTitle: 'Mesh Link payment',
  close: 'Close',
  hintTitle: 'Before you continue',
  continue: 'Continue',
  webviewNotice: 'This in-app browser cannot complete the payment.',
  openInBrowser: 'Open in your browser',
  payByLink: 'Pay on Mesh’s page',
  openPayLink: 'Open Mesh’s pay page in your browser',
  alreadyPaid: 'Already paid',
  alreadyPaidNotice: 'This order is already paid. There is nothing more to pay.',
  statusStopped: 'Status unavailable',
  statusStoppedNotice: 'Live payment status stopped. Your payment may still go through: check your order confirmation or reload this page later.',
};

export default enAfterIntent;
