// Notices re-wrapped on their way (gateways, list software, mail clients) read the same: a
// family's signature sentence split over two lines, a server's reply that goes on beneath it.
import { describe, expect, it } from 'vitest';
import { parseBounce } from './parse.ts';

describe('re-wrapped notices', () => {
  it('know an Exim notice whose signature sentence is split over two lines', async () => {
    const report = await parseBounce(
      [
        'From: Mail Delivery System <Mailer-Daemon@mx.sender.example>',
        'To: news@sender.example',
        'Subject: Warning: message delayed',
        '',
        'This message was created automatically by mail',
        'delivery software. A message that you sent has not yet been delivered to one or more of',
        'its recipients after more than 24 hours on the queue on mx.sender.example.',
        '',
        '  ana@example.org',
        '    host mx.example.org [192.0.2.20]: 452 4.2.2 Mailbox full',
        '',
      ].join('\n'),
    );
    expect(report.results).toEqual([
      expect.objectContaining({ recipient: 'ana@example.org', reason: 'mailboxfull', status: '4.2.2' }),
    ]);
  });

  it('read a transcript reply that goes on over the next line', async () => {
    const report = await parseBounce(
      [
        'From: MAILER-DAEMON@gateway.example',
        'To: news@sender.example',
        'Subject: Mail System Error - Returned Mail',
        '',
        'Each of the following recipients was rejected by a remote mail server.',
        '',
        '    >>> RCPT TO:<ana@example.org>',
        '    <<< 550 <ana@example.org>:',
        '    User unknown',
        '',
      ].join('\n'),
    );
    expect(report.results).toEqual([
      expect.objectContaining({ recipient: 'ana@example.org', reason: 'userunknown', hardBounce: true }),
    ]);
  });
});
