// RFC 3834 automatic responses. An out-of-office answer is not a failure, but it tells who
// is away; notices from postmasters and daemons are not people's auto-replies, and must
// never be taken for one (they are unknown bounces at worst).
import { type Headers, header } from './mime.ts';

const vacationSubject =
  /^(?:auto(?:matic)?[ -]?(?:reply|response|answer)|auto:|out of (?:the )?office|away from (?:the )?office|on vacation|vacation|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|respuesta autom[aá]tica|risposta automatica|absence|自動応答|不在)/i;

const notAPerson =
  /(?:^|[<\s"])(?:root|postmaster|mailer-daemon|mail-daemon|daemon|noreply|no-reply)(?:@|>|\s|$)/i;

/** True for an auto-reply sent on behalf of a person (RFC 3834 §5, and the usual headers). */
export function isAutoReply(headers: Headers, subject: string): boolean {
  if (notAPerson.test(header(headers, 'from'))) return false;
  if (/mail failure -|security information for/i.test(subject)) return false;
  const submitted = header(headers, 'auto-submitted').toLowerCase();
  return (
    submitted.startsWith('auto-replied') ||
    headers.has('x-autoreply') ||
    headers.has('x-autorespond') ||
    /^auto_reply$/i.test(header(headers, 'precedence')) ||
    /^vacation$/i.test(header(headers, 'x-apple-action')) ||
    /\b(?:oof|autoreply)\b/i.test(header(headers, 'x-auto-response-suppress')) ||
    vacationSubject.test(subject.replace(/^(?:re|aw|fw|fwd):\s*/i, ''))
  );
}
