import type { MeshPayStrings } from '../locales.js';

/** Portuguese. */
const pt: MeshPayStrings = {
  pay: 'Pagar com cripto',
  preparing: 'Preparando…',
  open: 'Continue no Mesh…',
  confirming: 'Confirmando…',
  succeeded: 'Pago',
  failed: 'O pagamento falhou. Tentar novamente',
  cancelled: 'Pagar com cripto',
  error: 'Tentar novamente',
  retry: 'Tentar novamente',
  announce: {
    idle: '',
    preparing: 'Preparando seu pagamento',
    open: 'O Mesh Link está aberto',
    confirming: 'Transferência enviada. Confirmando o pagamento',
    succeeded: 'Pagamento confirmado',
    failed: 'O pagamento falhou',
    cancelled: 'Pagamento cancelado',
    error: 'Algo deu errado. Você pode tentar novamente',
  },
  dialogLabel: 'Pagar com Mesh',
  iframeTitle: 'Pagamento Mesh Link',
  close: 'Fechar',
  hintTitle: 'Antes de continuar',
  continue: 'Continuar',
  webviewNotice: 'Este navegador integrado não consegue concluir o pagamento.',
  openInBrowser: 'Abrir no seu navegador',
  payByLink: 'Pagar na página do Mesh',
  openPayLink: 'Abrir a página de pagamento do Mesh no seu navegador',
  paymentRequired: 'Pagamento obrigatório',
  alreadyPaid: 'Já pago',
  alreadyPaidNotice: 'Este pedido já está pago. Não há mais nada a pagar.',
  statusStopped: 'Status indisponível',
  statusStoppedNotice: 'O status do pagamento ao vivo parou. Seu pagamento ainda pode ser concluído: verifique a confirmação do pedido ou recarregue esta página mais tarde.',
};

export default pt;
