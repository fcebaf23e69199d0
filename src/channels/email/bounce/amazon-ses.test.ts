// Amazon SES notifications as SNS mails them: the JSON bare or in an SNS envelope, broken
// over lines with SNS's `!` marks, from notification or event publishing.
import { describe, expect, it } from 'vitest';
import { parseBounce } from './parse.ts';

function snsMail(json: string): string {
  return [
    'From: AWS Notifications <no-reply@sns.amazonaws.com>',
    'To: ops@sender.example',
    'Subject: AWS Notification Message',
    'x-amz-sns-message-id: 0d3b2c1a-0000-4000-8000-000000000001',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    json,
    '',
    '--',
    'If you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:',
    'https://sns.eu-west-1.amazonaws.com/unsubscribe.html?SubscriptionArn=arn:aws:sns:eu-west-1:1:ses&Endpoint=ops@sender.example',
  ].join('\n');
}

/** Breaks a line every `width` characters as SNS does: `!` at the end, a space to go on. */
const fold = (line: string, width: number) =>
  (line.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join('!\n ');

const bounce = (subType: string, recipient: Record<string, string>, key = 'notificationType') =>
  JSON.stringify({
    [key]: 'Bounce',
    bounce: { bounceType: 'Permanent', bounceSubType: subType, bouncedRecipients: [recipient] },
    mail: { messageId: '0100018c-aaaa', destination: [recipient.emailAddress] },
  });

const verdicts = async (raw: string) =>
  (await parseBounce(raw)).results.map((r) => [r.recipient, r.reason, r.status, r.hardBounce]);

describe('Amazon SES notifications', () => {
  const unknown = {
    emailAddress: 'lena@example.org',
    action: 'failed',
    status: '5.1.1',
    diagnosticCode: 'smtp; 550 5.1.1 <lena@example.org>: Recipient address rejected: User unknown',
  };

  it('read the same whatever the width SNS broke the line at, even inside a key or an address', async () => {
    const whole = await verdicts(snsMail(bounce('General', unknown)));
    expect(whole).toEqual([['lena@example.org', 'userunknown', '5.1.1', true]]);
    for (const width of [7, 19, 64, 76]) {
      expect(await verdicts(snsMail(fold(bounce('General', unknown), width)))).toEqual(whole);
    }
  });

  it('read event publishing’s eventType like notificationType', async () => {
    expect(await verdicts(snsMail(bounce('General', unknown, 'eventType')))).toEqual([
      ['lena@example.org', 'userunknown', '5.1.1', true],
    ]);
  });

  it('take the cause from the bounce subtype only when the server gave no words', async () => {
    const bare = { emailAddress: 'max@example.org', action: 'failed', status: '5.0.0' };
    expect(await verdicts(snsMail(bounce('NoEmail', bare)))).toEqual([
      ['max@example.org', 'userunknown', '5.0.0', true],
    ]);
    expect(await verdicts(snsMail(bounce('MailboxFull', bare)))).toEqual([
      ['max@example.org', 'mailboxfull', '5.0.0', false],
    ]);
    // The server's words win over the subtype.
    const full = { ...bare, diagnosticCode: 'smtp; 552 5.2.2 mailbox full' };
    expect(await verdicts(snsMail(bounce('NoEmail', full)))).toEqual([
      ['max@example.org', 'mailboxfull', '5.2.2', false],
    ]);
  });
});
