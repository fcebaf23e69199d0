// Turns a claimed job into the message a provider sends: for email the From and To mailboxes,
// the Message-ID, the VERP return path, the sending domain's DKIM key, the attachments and the
// tracking and unsubscribe links; for SMS and WhatsApp what the message row already holds.
// It reads (attachments, DKIM keys) but never writes: what happened is the outcome writer's.
import type { Kysely } from 'kysely';
import { asciiDomain, dkimKeyFor, domainOf, mailbox, returnPath } from '../channels/email/index.ts';
import type { OutgoingEmail, OutgoingSms, OutgoingWhatsApp } from '../channels/index.ts';
import type { Database } from '../db/index.ts';
import { priorityName } from '../messages/index.ts';
import type { Secrets } from '../secrets/index.ts';
import { type LeavingEmail, needsLinks, withFeedbackLinks } from '../tracking/index.ts';
import type { ClaimedJob } from './queue.ts';

export interface OutgoingOptions {
  /** Domain of the VERP return paths; null: envelope sender = From. */
  bounceDomain: string | null;
  /** Signs return paths (and tracking links). */
  linkSecret: () => Promise<Buffer>;
  /** Opens the DKIM private keys. */
  secrets: Secrets;
  /** Where recipients reach the API: base of tracking and unsubscribe links. */
  publicUrl: () => string;
}

/** How long a project's DKIM key is used without reading it again. */
const dkimCacheMs = 60_000;

export class OutgoingBuilder {
  private readonly dkimCache = new Map<string, { key: OutgoingEmail['dkim']; until: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: OutgoingOptions,
  ) {}

  /** SMS and WhatsApp need nothing more than the row; email may read attachments and a key. */
  build(job: ClaimedJob): Promise<OutgoingEmail> | OutgoingSms | OutgoingWhatsApp {
    const common = {
      id: job.id,
      projectId: job.project_id,
      priority: priorityName(job.priority),
      to: job.to_address,
      validUntil: job.valid_until,
    };
    if (job.channel === 'sms') {
      return {
        ...common,
        from: job.from_address,
        text: job.text_body ?? '',
        encoding: job.encoding ?? 'GSM-7',
        segments: job.segments ?? 1,
      };
    }
    if (job.channel === 'whatsapp') {
      return {
        ...common,
        template: (job.payload?.template as OutgoingWhatsApp['template']) ?? null,
        text: job.payload ? null : job.text_body,
      };
    }
    return this.email(job);
  }

  private async email(job: ClaimedJob): Promise<OutgoingEmail> {
    const fromAddress = job.from_address ?? '';
    // A-labels: Message-IDs are ASCII, and DKIM keys are kept under the A-label name.
    const fromDomain = asciiDomain(domainOf(fromAddress));
    const leaving: LeavingEmail = {
      id: job.id,
      stream: job.stream,
      html: job.html,
      text: job.text_body,
      headers: job.headers,
      trackOpens: job.track_opens,
      trackClicks: job.track_clicks,
    };
    const { bounceDomain } = this.options;
    const { html, text, headers } = needsLinks(leaving)
      ? withFeedbackLinks(leaving, {
          secret: await this.options.linkSecret(),
          baseUrl: this.options.publicUrl(),
          mailtoDomain: bounceDomain,
        })
      : leaving;
    return {
      id: job.id,
      projectId: job.project_id,
      priority: priorityName(job.priority),
      from: mailbox(fromAddress, job.from_name),
      to: mailbox(job.to_address, job.to_name),
      replyTo: job.reply_to,
      subject: job.subject ?? '',
      html,
      text,
      headers,
      attachments: job.attachment_count === 0 ? [] : await attachmentsOf(this.db, job.id),
      messageIdHeader: `<${job.id}@${fromDomain}>`,
      returnPath: bounceDomain ? returnPath(job.id, bounceDomain, await this.options.linkSecret()) : null,
      dkim: await this.dkim(job.project_id, fromDomain),
    };
  }

  private async dkim(projectId: string, domain: string): Promise<OutgoingEmail['dkim']> {
    const cacheKey = `${projectId}/${domain}`;
    const hit = this.dkimCache.get(cacheKey);
    if (hit && hit.until > Date.now()) return hit.key;
    const key = await dkimKeyFor(this.db, this.options.secrets, projectId, domain);
    this.dkimCache.set(cacheKey, { key, until: Date.now() + dkimCacheMs });
    return key;
  }
}

/** A message's attachments in the order they were given. */
async function attachmentsOf(db: Kysely<Database>, messageId: string): Promise<OutgoingEmail['attachments']> {
  const rows = await db
    .selectFrom('message_attachments')
    .select(['filename', 'content_type', 'content_id', 'content'])
    .where('message_id', '=', messageId)
    .orderBy('position')
    .execute();
  return rows.map((a) => ({
    filename: a.filename,
    contentType: a.content_type,
    contentId: a.content_id,
    content: a.content,
  }));
}
