/**
 * A customer paying without a browser: loads the Link page and makes the same calls link.js makes
 * (connect, preview, execute). Lets webhook tests run fast; the Chromium tests cover the page.
 */
export interface HeadlessPayment {
  transferId: string;
  amount: number;
  previewAmount: string;
}

export async function payOverHttp(linkUrl: string, scenario: 'succeed' | 'fail' = 'succeed'): Promise<HeadlessPayment> {
  const page = await fetch(linkUrl);
  const html = await page.text();
  const match = /<script type="application\/json" id="mesh-session">([\s\S]*?)<\/script>/.exec(html);
  if (!match?.[1]) throw new Error('no session data on the Link page');
  const session = JSON.parse(match[1]) as { linkId: string; sessionKey: string; integrations: { id: string }[]; error?: unknown };
  if (session.error) throw new Error(`Link page error: ${JSON.stringify(session.error)}`);
  const call = async (action: string, body: unknown) => {
    const response = await fetch(`${linkUrl}/${action}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Link-Session': session.sessionKey },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { content: Record<string, unknown>; message?: string };
    if (!response.ok) throw new Error(`${action} ${response.status}: ${json.message}`);
    return json.content;
  };
  await call('connect', { integrationId: session.integrations[0]!.id });
  const preview = await call('preview', { optionIndex: 0 });
  const finished = await call('execute', { previewId: preview.previewId, scenario });
  return { transferId: String(finished.transferId), amount: Number(finished.amount), previewAmount: String(preview.amount) };
}
