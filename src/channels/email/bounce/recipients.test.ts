// Who failed: a plain notice also names whom to ask (postmaster) and who is being told (the
// original sender); neither is ever reported as a failed recipient.
import { describe, expect, it } from 'vitest';
import { parseBounce } from './parse.ts';

function notice(body: string[], originalTo: string): string {
  return [
    'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>',
    'To: news@sender.example',
    'Subject: Undelivered Mail Returned to Sender',
    '',
    ...body,
    '',
    '------ This is a copy of the message, including all the headers. ------',
    '',
    'Return-Path: <news-list@sender.example>',
    'From: News <news-list@sender.example>',
    `To: ${originalTo}`,
    'Subject: Offers',
    '',
    'Hello',
  ].join('\n');
}

describe('failed recipients', () => {
  it('are never the mail system’s own mailboxes or the original sender', async () => {
    const report = await parseBounce(
      notice(
        [
          'The following address failed:',
          '  ana@example.org',
          'Reason: no such user',
          '',
          'Sent by news-list@sender.example; for help write to postmaster@mx.example.org',
        ],
        'ana@example.org',
      ),
    );
    expect(report.results.map((r) => r.recipient)).toEqual(['ana@example.org']);
  });

  it('can be a postmaster when the message was sent to it', async () => {
    const report = await parseBounce(
      notice(['<postmaster@example.org>: mailbox unavailable, no such user'], 'postmaster@example.org'),
    );
    expect(report.results.map((r) => r.recipient)).toEqual(['postmaster@example.org']);
  });
});
