// Text from someone else's server (a provider's error, an SMTP reply, a webhook receiver's
// answer), made fit to store and show: short, valid UTF-8, without NUL, control or format
// characters. PostgreSQL refuses NUL in text and jsonb (one such reply would fail the batch of
// outcomes it is written with), and no more of a foreign page is kept than a diagnostic needs.

/**
 * How much is kept: provider API errors, one SMTP reply line (RFC 5321 §4.5.3.1.5), webhook
 * answers, a bounce's diagnostic (which may quote several reply lines).
 */
export const snippetChars = { provider: 200, smtp: 512, webhook: 1024, diagnostic: 1000 } as const;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Bidi overrides, zero-width characters and the like: they make a text read as what it is not.
const formatCharacters = /\p{Cf}/gu;
const controlsAndSpaces = /[\p{Cc}\p{Z}\s]+/gu;

/**
 * At most `maxChars` characters of `input` (bytes are read as UTF-8), with every run of control
 * characters and white space made one space, and "…" at the end when something was cut.
 */
export function foreignSnippet(input: string | Uint8Array, maxChars: number): string {
  // Only the start is kept: look at no more than a few times that much.
  const window = maxChars * 4;
  const cut = input.length > window;
  const raw =
    typeof input === 'string'
      ? input.slice(0, window)
      : new TextDecoder().decode(input.subarray(0, window), { stream: true });
  const chars = Array.from(
    raw.replace(loneSurrogate, '\uFFFD').replace(formatCharacters, '').replace(controlsAndSpaces, ' ').trim(),
  );
  if (!cut && chars.length <= maxChars) return chars.join('');
  return `${chars
    .slice(0, maxChars - 1)
    .join('')
    .trimEnd()}…`;
}

/** A foreign value that should be a short text (an error message, an id): its snippet, or undefined. */
export function foreignString(value: unknown, maxChars: number): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = foreignSnippet(String(value), maxChars);
  return text === '' ? undefined : text;
}
