/**
 * `redis://user:secret@host` → `redis://user:***@host`. A store's `kind` and its errors are logged,
 * so a connection URL is never shown with its password.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL: hide anything between "//" and "@" that may be credentials.
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
