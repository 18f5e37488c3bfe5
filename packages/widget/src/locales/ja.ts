import type { MeshPayStrings } from '../locales.js';

/** Japanese. */
const ja: MeshPayStrings = {
  pay: '暗号資産で支払う',
  preparing: '準備中…',
  open: 'Mesh で続行…',
  confirming: '確認中…',
  succeeded: '支払い済み',
  failed: '支払いに失敗しました。再試行',
  cancelled: '暗号資産で支払う',
  error: '再試行',
  retry: '再試行',
  announce: {
    idle: '',
    preparing: 'お支払いを準備しています',
    open: 'Mesh Link が開いています',
    confirming: '送金しました。お支払いを確認しています',
    succeeded: 'お支払いが確認されました',
    failed: 'お支払いに失敗しました',
    cancelled: 'お支払いはキャンセルされました',
    error: '問題が発生しました。再試行できます',
  },
  dialogLabel: 'Mesh で支払う',
  iframeTitle: 'Mesh Link でのお支払い',
  close: '閉じる',
  hintTitle: '続行する前に',
  continue: '続行',
  webviewNotice: 'このアプリ内ブラウザではお支払いを完了できません。',
  openInBrowser: 'ブラウザで開く',
  payByLink: 'Mesh のページで支払う',
  openPayLink: 'Mesh の支払いページをブラウザで開く',
  paymentRequired: 'お支払いが必要です',
  alreadyPaid: '支払い済み',
  alreadyPaidNotice: 'この注文はすでに支払われています。追加のお支払いは不要です。',
  statusStopped: 'ステータスを取得できません',
  statusStoppedNotice: 'お支払い状況のリアルタイム更新が停止しました。お支払いはまだ完了する可能性があります。注文確認をご確認いただくか、後でこのページを再読み込みしてください。',
};

export default ja;
