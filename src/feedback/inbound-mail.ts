// Mail that comes back to Aviso, by the SMTP listener or POST /v1/inbound/bounce, routed by
// the address it was sent to:
//   bounces+<message id>-<tag>@<bounce domain>  a bounce (or complaint) about that message
//   unsubscribe+<token>@<bounce domain>          a List-Unsubscribe mailto
//   any other address                            a report found by the original's Message-ID
// The report is parsed once, whatever the number of recipients.
import type { Kysely } from 'kysely';
import { type BounceReport, messageHeaders, parseBounce } from '../channels/email/bounce/index.ts';
import { messageIdFromReturnPath } from '../channels/email/index.ts';
import type { Database } from '../db/index.ts';
import {
  messageIdFromUnsubscribeToken,
  type UnsubscribeResult,
  unsubscribeMessage,
} from '../tracking/index.ts';
import { type AppliedReport, applyReport } from './apply-report.ts';

export interface InboundContext {
  db: Kysely<Database>;
  bounceDomain: string | null;
  secret: () => Promise<Buffer>;
}

export type InboundOutcome =
  | ({ recipient: string | null; action: 'report' } & AppliedReport)
  | {
      recipient: string;
      action: 'unsubscribe';
      messageId: string | null;
      outcome: 'bad-token' | UnsubscribeResult['outcome'];
    };

/**
 * Handles one inbound mail. `recipients`: the envelope recipients (RCPT TO), or none when a
 * relay forwarded the message without them: then the bounce-domain addresses in its
 * Delivered-To, X-Original-To, Envelope-To or To headers stand in (a DSN is addressed to the
 * return path it bounces to). `projectId` limits matching to one project (the API, whose key
 * belongs to one).
 */
export async function handleInboundMail(
  ctx: InboundContext,
  raw: Buffer,
  recipients: string[],
  projectId?: string,
): Promise<{ report: BounceReport | null; outcomes: InboundOutcome[] }> {
  const secret = await ctx.secret();
  let report: Promise<BounceReport> | undefined;
  const parsed = () => {
    report ??= parseBounce(raw);
    return report;
  };
  const outcomes: InboundOutcome[] = [];
  const given = recipients.length > 0 ? recipients : addressedTo(raw, ctx.bounceDomain);
  const targets = given.length > 0 ? given : [null];
  for (const recipient of targets) {
    const lower = recipient?.toLowerCase() ?? null;
    const unsubscribeToken =
      recipient && ctx.bounceDomain ? unsubscribeTokenIn(recipient, ctx.bounceDomain) : null;
    if (recipient && unsubscribeToken !== null) {
      const messageId = messageIdFromUnsubscribeToken(unsubscribeToken, secret);
      if (!messageId) {
        outcomes.push({ recipient, action: 'unsubscribe', messageId: null, outcome: 'bad-token' });
        continue;
      }
      const done = await unsubscribeMessage(ctx.db, messageId, 'mailto');
      outcomes.push({ recipient, action: 'unsubscribe', messageId, outcome: done.outcome });
      continue;
    }
    const messageId =
      lower && ctx.bounceDomain ? messageIdFromReturnPath(lower, ctx.bounceDomain, secret) : null;
    const applied = await applyReport(ctx.db, await parsed(), {
      messageId,
      ...(projectId ? { projectId } : {}),
    });
    outcomes.push({ recipient, action: 'report', ...applied });
  }
  return { report: report ? await report : null, outcomes };
}

/** Bounce-domain addresses in the top-level headers that name where a mail was delivered. */
function addressedTo(raw: Buffer, domain: string | null): string[] {
  if (!domain) return [];
  const headers = messageHeaders(raw);
  const found = new Set<string>();
  for (const name of ['delivered-to', 'x-original-to', 'envelope-to', 'to']) {
    // As written: an unsubscribe token's case matters.
    for (const value of headers.get(name) ?? []) {
      for (const m of value.matchAll(/[^\s<>,;:"]+@([^\s<>,;"]+)/g)) {
        if (m[1]?.toLowerCase() === domain) found.add(m[0]);
      }
    }
  }
  return [...found];
}

/** The token of unsubscribe+<token>@<bounce domain>, as written (tokens may be case-sensitive). */
function unsubscribeTokenIn(address: string, domain: string): string | null {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== domain) return null;
  const local = address.slice(0, at);
  return /^unsubscribe\+/i.test(local) ? local.slice('unsubscribe+'.length) : null;
}
