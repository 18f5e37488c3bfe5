import type { MeshPayStrings } from '../locales.js';

/** Italian. */
const it: MeshPayStrings = {
  pay: 'Paga in cripto',
  preparing: 'Preparazione…',
  open: 'Continua in Mesh…',
  confirming: 'Conferma in corso…',
  succeeded: 'Pagato',
  failed: 'Pagamento non riuscito. Riprova',
  cancelled: 'Paga in cripto',
  error: 'Riprova',
  retry: 'Riprova',
  announce: {
    idle: '',
    preparing: 'Stiamo preparando il pagamento',
    open: 'Mesh Link è aperto',
    confirming: 'Trasferimento inviato. Conferma del pagamento in corso',
    succeeded: 'Pagamento confermato',
    failed: 'Il pagamento non è riuscito',
    cancelled: 'Pagamento annullato',
    error: 'Qualcosa è andato storto. Puoi riprovare',
  },
  dialogLabel: 'Paga con Mesh',
  iframeTitle: 'Pagamento Mesh Link',
  close: 'Chiudi',
  hintTitle: 'Prima di continuare',
  continue: 'Continua',
  webviewNotice: 'Questo browser integrato non può completare il pagamento.',
  openInBrowser: 'Apri nel tuo browser',
  payByLink: 'Paga sulla pagina di Mesh',
  openPayLink: 'Apri la pagina di pagamento Mesh nel tuo browser',
  paymentRequired: 'Pagamento obbligatorio',
  alreadyPaid: 'Già pagato',
  alreadyPaidNotice: 'Questo ordine è già pagato. Non c’è altro da pagare.',
  statusStopped: 'Stato non disponibile',
  statusStoppedNotice: 'Lo stato del pagamento in tempo reale si è interrotto. Il pagamento può ancora andare a buon fine: controlla la conferma dell’ordine o ricarica questa pagina più tardi.',
};

export default it;
