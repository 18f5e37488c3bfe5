import type { MeshPayStrings } from '../locales.js';

/** German. */
const de: MeshPayStrings = {
  pay: 'Mit Krypto bezahlen',
  preparing: 'Wird vorbereitet…',
  open: 'Weiter in Mesh…',
  confirming: 'Wird bestätigt…',
  succeeded: 'Bezahlt',
  failed: 'Zahlung fehlgeschlagen. Erneut versuchen',
  cancelled: 'Mit Krypto bezahlen',
  error: 'Erneut versuchen',
  retry: 'Erneut versuchen',
  announce: {
    idle: '',
    preparing: 'Ihre Zahlung wird vorbereitet',
    open: 'Mesh Link ist geöffnet',
    confirming: 'Überweisung gesendet. Die Zahlung wird bestätigt',
    succeeded: 'Zahlung bestätigt',
    failed: 'Die Zahlung ist fehlgeschlagen',
    cancelled: 'Zahlung abgebrochen',
    error: 'Etwas ist schiefgelaufen. Sie können es erneut versuchen',
  },
  dialogLabel: 'Mit Mesh bezahlen',
  iframeTitle: 'Mesh-Link-Zahlung',
  close: 'Schließen',
  hintTitle: 'Bevor Sie fortfahren',
  continue: 'Weiter',
  webviewNotice: 'Dieser App-interne Browser kann die Zahlung nicht abschließen.',
  openInBrowser: 'Im Browser öffnen',
  payByLink: 'Auf der Mesh-Seite bezahlen',
  openPayLink: 'Mesh-Zahlungsseite im Browser öffnen',
  paymentRequired: 'Zahlung erforderlich',
  alreadyPaid: 'Bereits bezahlt',
  alreadyPaidNotice: 'Diese Bestellung ist bereits bezahlt. Es ist nichts mehr zu zahlen.',
  statusStopped: 'Status nicht verfügbar',
  statusStoppedNotice: 'Der Live-Zahlungsstatus wurde beendet. Ihre Zahlung kann trotzdem eingehen: Prüfen Sie Ihre Bestellbestätigung oder laden Sie diese Seite später neu.',
};

export default de;
