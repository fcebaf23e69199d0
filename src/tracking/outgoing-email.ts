// What tracking and unsubscribing add to an email as it leaves, in one place: the template's
// {{ unsubscribe_url }} filled in, links and the open pixel when tracked, and the
// List-Unsubscribe headers on the promotional stream. The unsubscribe link is filled in
// before links are rewritten, so it is never sent through a click redirect.
import { unsubscribeUrlMarker } from '../templates/index.ts';
import { trackHtml } from './rewrite.ts';
import { unsubscribeUrl, withUnsubscribeHeaders } from './unsubscribe.ts';

export interface LeavingEmail {
  id: string;
  stream: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  trackOpens: boolean;
  trackClicks: boolean;
}

export interface LinkSettings {
  secret: Buffer;
  /** Where recipients reach Aviso (AVISO_PUBLIC_URL). */
  baseUrl: string;
  /** The bounce domain, for the mailto unsubscribe; null: URL only. */
  mailtoDomain: string | null;
}

/** True when the email needs the link secret at all (most transactional mail does not). */
export function needsLinks(email: LeavingEmail): boolean {
  return (
    email.stream === 'promotional' ||
    ((email.trackOpens || email.trackClicks) && email.html !== null) ||
    email.html?.includes(unsubscribeUrlMarker) === true ||
    email.text?.includes(unsubscribeUrlMarker) === true
  );
}

export function withFeedbackLinks(
  email: LeavingEmail,
  settings: LinkSettings,
): Pick<LeavingEmail, 'html' | 'text' | 'headers'> {
  const { secret, baseUrl, mailtoDomain } = settings;
  const link = unsubscribeUrl(email.id, baseUrl, secret);
  const fill = (body: string | null) => body?.replaceAll(unsubscribeUrlMarker, link) ?? null;
  let html = fill(email.html);
  if (html !== null && (email.trackOpens || email.trackClicks)) {
    html = trackHtml(html, {
      messageId: email.id,
      baseUrl,
      secret,
      opens: email.trackOpens,
      clicks: email.trackClicks,
    });
  }
  const headers =
    email.stream === 'promotional'
      ? withUnsubscribeHeaders(email.headers, { messageId: email.id, baseUrl, secret, mailtoDomain })
      : email.headers;
  return { html, text: fill(email.text), headers };
}
