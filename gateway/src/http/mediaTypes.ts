export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';
export const APPLICATION_JSON = 'application/json';
export const TEXT_HTML = 'text/html';

interface AcceptRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
  readonly order: number;
}

/**
 * The offered media type a client's Accept header prefers (highest q, then most specific,
 * then first listed), or undefined when it accepts none. A missing header accepts anything,
 * which picks the first offer.
 */
export function preferredMediaType(accept: string | undefined, offers: readonly string[]): string | undefined {
  if (accept === undefined || accept.trim() === '') return offers[0];
  const ranges = parseAccept(accept);
  let best: { offer: string; q: number; specificity: number; order: number } | undefined;
  for (const offer of offers) {
    const [type, subtype] = offer.split('/') as [string, string];
    for (const range of ranges) {
      const typeMatches = range.type === '*' || range.type === type;
      const subtypeMatches = range.subtype === '*' || range.subtype === subtype;
      if (!typeMatches || !subtypeMatches || range.q <= 0) continue;
      const specificity = (range.type === '*' ? 0 : 1) + (range.subtype === '*' ? 0 : 1);
      const better =
        !best ||
        range.q > best.q ||
        (range.q === best.q && specificity > best.specificity) ||
        (range.q === best.q && specificity === best.specificity && range.order < best.order);
      if (better) best = { offer, q: range.q, specificity, order: range.order };
    }
  }
  return best?.offer;
}

function parseAccept(accept: string): AcceptRange[] {
  return accept.split(',').flatMap((part, order) => {
    const [mediaRange, ...parameters] = part.split(';').map((piece) => piece.trim());
    const [type, subtype] = (mediaRange ?? '').toLowerCase().split('/');
    if (!type || !subtype) return [];
    const qParameter = parameters.find((parameter) => /^q=/i.test(parameter));
    const q = qParameter ? Number(qParameter.slice(2)) : 1;
    return [{ type, subtype, q: Number.isFinite(q) ? q : 0, order }];
  });
}
