import type { MeshPayStrings } from '../locales.js';

/** French. */
const fr: MeshPayStrings = {
  pay: 'Payer en crypto',
  preparing: 'Préparation…',
  open: 'Continuez dans Mesh…',
  confirming: 'Confirmation…',
  succeeded: 'Payé',
  failed: 'Échec du paiement. Réessayer',
  cancelled: 'Payer en crypto',
  error: 'Réessayer',
  retry: 'Réessayer',
  announce: {
    idle: '',
    preparing: 'Préparation de votre paiement',
    open: 'Mesh Link est ouvert',
    confirming: 'Virement envoyé. Confirmation du paiement',
    succeeded: 'Paiement confirmé',
    failed: 'Le paiement a échoué',
    cancelled: 'Paiement annulé',
    error: 'Un problème est survenu. Vous pouvez réessayer',
  },
  dialogLabel: 'Payer avec Mesh',
  iframeTitle: 'Paiement Mesh Link',
  close: 'Fermer',
  hintTitle: 'Avant de continuer',
  continue: 'Continuer',
  webviewNotice: 'Ce navigateur intégré ne peut pas finaliser le paiement.',
  openInBrowser: 'Ouvrir dans votre navigateur',
  payByLink: 'Payer sur la page de Mesh',
  openPayLink: 'Ouvrir la page de paiement Mesh dans votre navigateur',
  paymentRequired: 'Paiement requis',
  alreadyPaid: 'Déjà payé',
  alreadyPaidNotice: 'Cette commande est déjà payée. Il n’y a plus rien à payer.',
  statusStopped: 'Statut indisponible',
  statusStoppedNotice: 'Le suivi du paiement en direct s’est arrêté. Votre paiement peut encore aboutir : consultez la confirmation de votre commande ou rechargez cette page plus tard.',
};

export default fr;
