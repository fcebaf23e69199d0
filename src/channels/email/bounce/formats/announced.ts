// Notices that announce a list of failed recipients in a sentence of their own and then give
// them one per line, whatever the MTA: "did not reach the following recipient(s):",
// "The following addresses did NOT receive a copy of your message:", "Failed addresses
// follow:", "Your message to:" … "has not yet been delivered". Also the one-line form some
// MTAs use instead ("user@example.com - no such user here", "user@example.com ... unknown
// host"). Mail daemons and notices that state a failure only: a person's message listing
// addresses is not a bounce.
import { findAddresses } from '../address.ts';
import type { RecipientFailure } from '../types.ts';
import { daemonSender, failureStated, failureSubject } from './notice.ts';
import { type BounceText, commandOf } from './types.ts';

/** A line that announces the addresses below it. */
const announcement =
  /(?:(?:following|these|the below|listed)\s+(?:e-?mail\s+)?(?:recipients?|addresse?s?|users?|mailbox(?:es)?|destinations?)(?:\(e?s\))?|^[\s|>-]*(?:the\s+)?(?:failed|undeliverable|invalid|bad)\s+(?:recipients?|addresse?s?)(?:\(e?s\))?(?:\s+follows?)?|intended recipients?|(?:your|the) (?:message|mail|e-?mail) (?:was )?(?:sent |addressed )?to|delivery of (?:your )?(?:e-?mail|message|mail) to(?: this address| the following)?)/i;

/** Words saying the notice is a delay warning, not a final failure. */
const delayStated =
  /not yet been delivered|postponed|will (?:continue|keep) (?:to )?(?:try|attempt)|still being retried|delayed|this is (?:just )?a warning|is an advisory/i;

/** Separators between the address and the words on one line: `user@x - no such user`. */
const addressLine = /^\s*[>|]?\s*<?([^\s<>"]+@[^\s<>"]+?)>?\s+(?:-|\.{3}|--)\s+(\S.*)$/;

/** A line with no words: blank, a quoted-printable tab (`=09`) left undecoded, a rule. */
const filler = (line: string) => /^[\s>|*=-]*(?:=[0-9A-F]{2}[\s]*)*$/.test(line);

/** A line that gives one address with little else (a label, quotes, a display name). */
function listedAddress(line: string): string | undefined {
  // A quoted header of the original ("To: …", "From: …") is not an entry of the list.
  if (/^\s*(?:to|cc|bcc|from|sender|reply-to|return-path|subject)\s*:/i.test(line)) return undefined;
  const found = findAddresses(line);
  const unique = [...new Set(found)];
  if (unique.length !== 1) return undefined;
  const rest = line
    .replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, '')
    .replace(/[\s<>"'(),;:>|]/g, '')
    .replace(/^(?:failed|final|original|intended)?(?:recipient|address|to|user|rcpt)s?/i, '');
  // A display name or a short label beside the address, but not a sentence naming it.
  return rest.length <= 40 ? unique[0] : undefined;
}

/** A bare mailbox name (AOL's screen names): at the notice's own domain. */
function bareName(line: string, from: string): string | undefined {
  const name = /^\s*([a-z][\w.+-]{0,63})\s*$/i.exec(line)?.[1];
  const domain = findAddresses(from)[0]?.split('@')[1];
  return name && domain ? `${name}@${domain}`.toLowerCase() : undefined;
}

export function readAnnounced(message: BounceText): RecipientFailure[] | undefined {
  const notice = daemonSender.test(message.from) || failureSubject.test(message.subject);
  if (!notice || !failureStated.test(message.body)) return undefined;
  const lines = message.body.split(/\r?\n/);
  const failures: RecipientFailure[] = [];
  const add = (recipient: string, at: number) => {
    if (failures.some((f) => f.recipient === recipient)) return;
    // The words after the list, then the whole notice: the reason may be anywhere in it.
    const after = lines.slice(at + 1, at + 8).join(' ');
    const diagnostic = `${after} ${message.body}`.replace(/\s+/g, ' ').trim().slice(0, 4000);
    failures.push({ recipient, diagnostic, command: commandOf(after) });
  };
  lines.forEach((line, i) => {
    const m = announcement.exec(line);
    if (!m) return;
    // What follows the words on their line: nothing (the list is below), the rest of the
    // sentence up to a colon, or the one address itself ("Intended recipient: user@x").
    const rest = line.slice((m.index ?? 0) + m[0].length);
    const sameLine = /^\s*(?:\(e?s\))?\s*:\s*(\S.*)$/.exec(rest)?.[1] ?? /:\s*(\S+@\S+)\s*$/.exec(rest)?.[1];
    if (sameLine) {
      const address = listedAddress(sameLine);
      if (address) add(address, i);
      return;
    }
    // The list is below when the words end their line, or end it with a colon; a sentence
    // that ends in a period ("… the intended recipients.") announces nothing.
    if (!/^[\s:=|-]*$/.test(rest) && !/:[\s=|-]*$/.test(rest)) return;
    let j = i + 1;
    while (j < lines.length && filler(lines[j] ?? '') && j - i <= 6) j++;
    let entries = 0;
    for (; j < lines.length; j++) {
      const next = lines[j] ?? '';
      if (filler(next)) {
        // Quoted-printable filler between the list's lines; an empty line ends the list.
        if (next.trim() === '') break;
        continue;
      }
      const address = listedAddress(next) ?? (entries === 0 ? bareName(next, message.from) : undefined);
      if (address) {
        add(address, j);
        entries++;
        continue;
      }
      // Lines indented under an entry (or continuing one, ";l=…") tell its reason; the
      // next entry may follow them (Exchange's "user@x on <date>" blocks).
      if (entries > 0 && /^(?:\s|;)/.test(next)) continue;
      break;
    }
  });
  if (failures.length === 0) {
    lines.forEach((line, i) => {
      const m = addressLine.exec(line);
      const address = m?.[1] ? findAddresses(m[1])[0] : undefined;
      if (address && /[a-z]{3}/i.test(m?.[2] ?? '')) add(address, i - 1);
    });
  }
  if (failures.length === 0) return undefined;
  if (delayStated.test(message.body.slice(0, 1500))) for (const f of failures) f.temporary = true;
  return failures;
}
