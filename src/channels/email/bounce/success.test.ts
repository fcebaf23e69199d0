// A success never suppresses anyone: whatever the words, a recipient the report calls
// delivered (by its Action or by a 2.X.X status) is never a bounce, and a success code quoted
// in the text of a failure is not taken for the failure's status.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBounce } from './parse.ts';

function dsn(fields: { action?: string; status: string; diagnostic: string }): string {
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.sender.example>',
    'To: news@sender.example',
    'Subject: Delivery Status Notification',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'This is the mail system at host mx.sender.example.',
    '--b',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.sender.example',
    '',
    'Final-Recipient: rfc822; ana@example.org',
    ...(fields.action === undefined ? [] : [`Action: ${fields.action}`]),
    `Status: ${fields.status}`,
    `Diagnostic-Code: smtp; ${fields.diagnostic}`,
    '--b--',
    '',
  ].join('\r\n');
}

/** Words that, on a failure, would make a hard bounce. */
const alarming = [
  '550 5.1.1 user unknown',
  'mailbox does not exist',
  'no such user here',
  'host not found',
  'this account has been disabled',
];

describe('successes', () => {
  it.each([
    ['Action: deliverable', { action: 'deliverable', status: '2.1.5', diagnostic: '250 2.1.5 ok' }],
    [
      'Action: delivered, alarming words',
      { action: 'delivered', status: '2.0.0', diagnostic: 'user unknown' },
    ],
    ['no Action, a 2.X.X status', { status: '2.0.0', diagnostic: '250 ok: no such user here' }],
  ])('are never bounces: %s', async (_name, fields) => {
    const report = await parseBounce(dsn(fields));
    expect(report.kind).toBe('delivered');
    expect(report.results.every((r) => !r.hardBounce && r.reason === 'delivered')).toBe(true);
  });

  it('never become bounces, whatever Action, 2.X.X status and words a report carries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(undefined, 'delivered', 'relayed', 'expanded', 'deliverable'),
        fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 9 })),
        fc.constantFrom(...alarming),
        async (action, [subject, detail], words) => {
          const status = `2.${subject}.${detail}`;
          const report = await parseBounce(dsn({ action, status, diagnostic: words }));
          expect(report.results.filter((r) => r.hardBounce)).toEqual([]);
          expect(report.kind).toBe('delivered');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('quoted in a failure are not its status', async () => {
    const report = await parseBounce(
      dsn({
        action: 'failed',
        status: '5.1.1',
        diagnostic:
          '250 2.1.0 sender ok; then 550 5.1.1 <ana@example.org>: user unknown (in reply to RCPT TO)',
      }),
    );
    expect(report.kind).toBe('bounce');
    expect(report.results).toEqual([
      expect.objectContaining({ status: '5.1.1', reason: 'userunknown', hardBounce: true }),
    ]);
  });

  it('quoted before the failure in a plain notice leave it a bounce', async () => {
    const report = await parseBounce(
      [
        'From: Mail Delivery System <Mailer-Daemon@mx.sender.example>',
        'To: news@sender.example',
        'Subject: Mail delivery failed: returning message to sender',
        '',
        'A message that you sent could not be delivered to one or more of its',
        'recipients. This is a permanent error. The following address(es) failed:',
        '',
        '  nobody@example.org',
        '    SMTP error from remote mail server after RCPT TO:<nobody@example.org>:',
        '    host mx.example.org [192.0.2.20]: 250 2.1.0 sender ok, then 550 5.1.1 user unknown',
        '',
      ].join('\n'),
    );
    expect(report.kind).toBe('bounce');
    expect(report.results).toEqual([
      expect.objectContaining({ recipient: 'nobody@example.org', status: '5.1.1', hardBounce: true }),
    ]);
  });
});
