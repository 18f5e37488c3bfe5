import type { MeshPayStrings } from '../locales.js';

/** Chinese (Simplified). */
const zh: MeshPayStrings = {
  pay: '使用加密货币支付',
  preparing: '正在准备…',
  open: '请在 Mesh 中继续…',
  confirming: '正在确认…',
  succeeded: '已支付',
  failed: '支付失败。重试',
  cancelled: '使用加密货币支付',
  error: '重试',
  retry: '重试',
  announce: {
    idle: '',
    preparing: '正在准备您的付款',
    open: 'Mesh Link 已打开',
    confirming: '转账已发送。正在确认付款',
    succeeded: '付款已确认',
    failed: '付款失败',
    cancelled: '付款已取消',
    error: '出了点问题。您可以重试',
  },
  dialogLabel: '使用 Mesh 支付',
  iframeTitle: 'Mesh Link 付款',
  close: '关闭',
  hintTitle: '继续之前',
  continue: '继续',
  webviewNotice: '此应用内浏览器无法完成付款。',
  openInBrowser: '在浏览器中打开',
  payByLink: '在 Mesh 页面上支付',
  openPayLink: '在浏览器中打开 Mesh 支付页面',
  paymentRequired: '需要付款',
  alreadyPaid: '已支付',
  alreadyPaidNotice: '此订单已支付，无需再付款。',
  statusStopped: '状态不可用',
  statusStoppedNotice: '实时付款状态已停止。您的付款仍可能完成：请查看订单确认信息，或稍后重新加载此页面。',
};

export default zh;
