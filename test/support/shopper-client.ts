/**
 * One shopper's browser over plain HTTP: it keeps the demo's session cookie the way a browser does
 * (sent back on every request, replaced when the server sets a new one), so a test can speak as
 * that shopper, or as a stranger with a cookie of their own.
 */
export const SESSION_COOKIE_NAME = 'mesh_pay_shopper';

export class ShopperClient {
  /** `name=value` of the session cookie, once the server set one. */
  cookie: string | undefined;
  /** Every Set-Cookie header this shopper received, as sent. */
  readonly setCookies: string[] = [];

  constructor(readonly baseUrl: string) {}

  /** A shopper who has opened the shop page once (and so holds a session cookie). */
  static async visit(baseUrl: string): Promise<ShopperClient> {
    const shopper = new ShopperClient(baseUrl);
    const res = await shopper.fetch('/');
    await res.arrayBuffer();
    if (!shopper.cookie) throw new Error(`the shop set no ${SESSION_COOKIE_NAME} cookie on the first visit`);
    return shopper;
  }

  /** The same browser talking to another instance of the deployment (same cookie). */
  on(baseUrl: string): ShopperClient {
    const other = new ShopperClient(baseUrl);
    other.cookie = this.cookie;
    return other;
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set('cookie', this.cookie);
    const res = await fetch(new URL(path, this.baseUrl), { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair] = line.split(';');
      if (pair?.startsWith(`${SESSION_COOKIE_NAME}=`)) this.cookie = pair;
    }
    return res;
  }

  /** `POST /mesh/link-token` for an order, as the button does. */
  mint(orderId: string): Promise<Response> {
    return this.fetch('/mesh/link-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId }),
    });
  }

  order(orderId: string): Promise<Response> {
    return this.fetch(`/api/orders/${orderId}`);
  }
}
