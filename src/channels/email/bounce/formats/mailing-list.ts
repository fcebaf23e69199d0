// Mailing-list software refusing a post (fml, Mailman, Majordomo, ezmlm's owners): a notice
// from the list's own administrative address, with the list's headers, saying the post was
// refused because the sender is not a member, it looped, or a rule rejected it. The failed
// recipient is the list (the address the post went to), and the reason is the list's refusal,
// never a verdict on any subscriber's mailbox.
import { findAddress, findAddresses } from '../address.ts';
import { header } from '../mime.ts';
import type { BounceReason, RecipientFailure } from '../types.ts';
import type { BounceText } from './types.ts';

/** The list's administrative senders: `list-admin@`, `list-owner@`, `owner-list@`, `list-request@`. */
const listAdmin = /(?:^|[<\s"])(?:[\w.+-]+-(?:admin|owner|request|bounces)|owner-[\w.+-]+)@/i;

/** Headers that only list software writes (RFC 2369/2919, fml, Mailman). */
const listHeaders = ['x-mlserver', 'x-ml-name', 'list-id', 'x-mailman-version', 'x-ml-info', 'mailing-list'];

const refusals: readonly [BounceReason, RegExp][] = [
  ['securityerror', /\bsecurity alert\b/i],
  ['systemerror', /\bloop(?:ed)?\b|\bduplicated message-id\b/i],
  [
    'rejected',
    /\bnot (?:a )?member\b|\bnon-?member\b|\b(?:reject(?:ed)?|refused|denied)\b|\bawaits? (?:the )?moderator|\bheld for (?:moderator )?approval\b/i,
  ],
];

export function readMailingList(message: BounceText): RecipientFailure[] | undefined {
  if (!listAdmin.test(message.from)) return undefined;
  const fml = /\.FML/i.test(header(message.headers, 'message-id'));
  if (!fml && !listHeaders.some((name) => header(message.headers, name))) return undefined;
  const words = `${message.subject}\n${message.body}`;
  // Said at the top, as a notice says it; not somewhere in a long post that went out.
  const top = `${message.subject}\n${message.body.slice(0, 600)}`;
  const refusal = refusals.find(([, pattern]) => pattern.test(top));
  if (!refusal) return undefined;
  const own = new Set(findAddresses(message.from));
  // The list's address as the notice names it (`… this mailing list <list@example.org>.`), else
  // where the refused post was sent.
  const named = [...message.body.matchAll(/<([^\s<>]+@[^\s<>]+)>[.:]?\s*$/gm)]
    .map((m) => findAddress(m[1] ?? ''))
    .find((a) => a && !own.has(a));
  const recipient = named || findAddress(message.originalTo);
  if (!recipient) return undefined;
  return [
    {
      recipient,
      diagnostic: words.replace(/\s+/g, ' ').trim().slice(0, 4000),
      reason: refusal[0],
      source: 'the mailing-list reader',
    },
  ];
}
