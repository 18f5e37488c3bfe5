import type { MeshPayStrings } from '../locales.js';

/** Spanish. */
const es: MeshPayStrings = {
  pay: 'Pagar con cripto',
  preparing: 'Preparando…',
  open: 'Continúa en Mesh…',
  confirming: 'Confirmando…',
  succeeded: 'Pagado',
  failed: 'El pago falló. Reintentar',
  cancelled: 'Pagar con cripto',
  error: 'Reintentar',
  retry: 'Reintentar',
  announce: {
    idle: '',
    preparing: 'Preparando tu pago',
    open: 'Mesh Link está abierto',
    confirming: 'Transferencia enviada. Confirmando el pago',
    succeeded: 'Pago confirmado',
    failed: 'El pago falló',
    cancelled: 'Pago cancelado',
    error: 'Algo salió mal. Puedes reintentar',
  },
  dialogLabel: 'Pagar con Mesh',
  iframeTitle: 'Pago con Mesh Link',
  close: 'Cerrar',
  hintTitle: 'Antes de continuar',
  continue: 'Continuar',
  webviewNotice: 'Este navegador integrado no puede completar el pago.',
  openInBrowser: 'Abrir en tu navegador',
  payByLink: 'Pagar en la página de Mesh',
  openPayLink: 'Abrir la página de pago de Mesh en tu navegador',
  paymentRequired: 'Pago obligatorio',
  alreadyPaid: 'Ya pagado',
  alreadyPaidNotice: 'Este pedido ya está pagado. No hay nada más que pagar.',
  statusStopped: 'Estado no disponible',
  statusStoppedNotice: 'El estado del pago en vivo se detuvo. Tu pago aún puede completarse: revisa la confirmación de tu pedido o vuelve a cargar esta página más tarde.',
};

export default es;
