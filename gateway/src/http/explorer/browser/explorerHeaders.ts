/**
 * The header editor's starting text: the bearer token from the page's fragment (`/#token=<JWT>`),
 * so a link can open the explorer signed in. The fragment never leaves the browser, unlike a
 * query string, which would reach the gateway's and any proxy's logs.
 */
export function headersFromFragment(fragment: string): string {
  const token = new URLSearchParams(fragment.replace(/^#/, ''))
    .get('token')
    ?.replace(/^bearer\s+/i, '')
    .trim();
  return token ? JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2) : '';
}
