// Whole messages, written by hand in each format, through parseBounce.
import { describe, expect, it } from 'vitest';
import { parseBounce } from './parse.ts';

const crlf = (lines: string[]) => lines.join('\r\n');

describe('parseBounce', () => {
  it('reads an ARF complaint with its feedback type and the original recipient', async () => {
    const report = await parseBounce(
      crlf([
        'From: fbl@isp.example',
        'To: abuse@sender.example',
        'Subject: FW: Spam report',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain',
        '',
        'This is an email abuse report.',
        '--b1',
        'Content-Type: message/feedback-report',
        '',
        'Feedback-Type: abuse',
        'User-Agent: SomeFBL/1.0',
        'Version: 1',
        'Original-Rcpt-To: <Reader@isp.example>',
        '--b1',
        'Content-Type: message/rfc822',
        '',
        'From: news@sender.example',
        'To: reader@isp.example',
        'Message-ID: <abc@sender.example>',
        'X-Aviso-Message-Id: msg_123',
        'Subject: Offers',
        '',
        'Hello',
        '--b1--',
      ]),
    );
    expect(report.kind).toBe('complaint');
    expect(report.results).toEqual([
      expect.objectContaining({
        recipient: 'reader@isp.example',
        reason: 'feedback',
        feedbackType: 'abuse',
        status: '',
      }),
    ]);
    expect(report.original).toMatchObject({
      'message-id': '<abc@sender.example>',
      'x-aviso-message-id': 'msg_123',
    });
  });

  it('takes a person’s out-of-office answer for an auto-reply, never a postmaster notice', async () => {
    const away = await parseBounce(
      crlf([
        'From: Kijitora <kijitora@example.net>',
        'To: news@sender.example',
        'Subject: Automatic reply: Offers',
        'Auto-Submitted: auto-replied',
        '',
        'I am away until Monday.',
      ]),
    );
    expect(away.kind).toBe('auto-reply');
    expect(away.results).toEqual([
      expect.objectContaining({ recipient: 'kijitora@example.net', reason: 'vacation' }),
    ]);

    const notice = await parseBounce(
      crlf([
        'From: postmaster@example.net',
        'Subject: email notification',
        'Auto-Submitted: auto-replied',
        '',
        'Something happened to your message.',
      ]),
    );
    expect(notice).toMatchObject({ kind: 'none', results: [] });
  });

  it('reads an Exim notice with the reply and the SMTP command', async () => {
    const report = await parseBounce(
      [
        'From: Mail Delivery System <Mailer-Daemon@mx.sender.example>',
        'To: news@sender.example',
        'Subject: Mail delivery failed: returning message to sender',
        'X-Failed-Recipients: nobody@example.org',
        '',
        'This message was created automatically by mail delivery software.',
        '',
        'A message that you sent could not be delivered to one or more of its',
        'recipients. This is a permanent error. The following address(es) failed:',
        '',
        '  nobody@example.org',
        '    SMTP error from remote mail server after RCPT TO:<nobody@example.org>:',
        '    host mx.example.org [192.0.2.20]: 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown',
        '',
        '------ This is a copy of the message, including all the headers. ------',
        '',
        'Message-Id: <m1@sender.example>',
        'From: news@sender.example',
        'To: nobody@example.org',
        'Subject: Offers',
        '',
        'Hello',
      ].join('\n'),
    );
    expect(report.kind).toBe('bounce');
    expect(report.results).toEqual([
      expect.objectContaining({
        recipient: 'nobody@example.org',
        status: '5.1.1',
        replyCode: '550',
        reason: 'userunknown',
        hardBounce: true,
      }),
    ]);
    expect(report.original['message-id']).toBe('<m1@sender.example>');
  });

  it('reads a qmail notice, one block per address', async () => {
    const report = await parseBounce(
      [
        'From: MAILER-DAEMON@mx.sender.example',
        'Subject: failure notice',
        '',
        'Hi. This is the qmail-send program at mx.sender.example.',
        "I'm afraid I wasn't able to deliver your message to the following addresses.",
        "This is a permanent error; I've given up. Sorry it didn't work out.",
        '',
        '<full@example.org>:',
        '192.0.2.1 does not like recipient.',
        'Remote host said: 552 5.2.2 <full@example.org>... Mailbox Full',
        'Giving up on 192.0.2.1.',
        '',
        '<gone@example.net>:',
        "Sorry, I couldn't find any host named example.net. (#5.1.2)",
        '',
        '--- Below this line is a copy of the message.',
        '',
        'To: full@example.org',
        'Subject: Offers',
      ].join('\n'),
    );
    expect(report.results.map((r) => [r.recipient, r.reason, r.status, r.hardBounce])).toEqual([
      ['full@example.org', 'mailboxfull', '5.2.2', false],
      ['gone@example.net', 'hostunknown', '5.1.2', true],
    ]);
  });

  it('reports a success DSN as delivered, not as a bounce', async () => {
    const report = await parseBounce(
      crlf([
        'From: MAILER-DAEMON@mx.example.org',
        'Subject: Successful Mail Delivery Report',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b2"',
        '',
        '--b2',
        'Content-Type: text/plain',
        '',
        'Your message was successfully delivered to the destination(s) listed below.',
        '--b2',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example.org',
        '',
        'Final-Recipient: rfc822; reader@example.org',
        'Action: relayed',
        'Status: 2.0.0',
        'Diagnostic-Code: smtp; 250 2.0.0 OK',
        '--b2--',
      ]),
    );
    expect(report.kind).toBe('delivered');
    expect(report.results).toEqual([
      expect.objectContaining({
        recipient: 'reader@example.org',
        reason: 'delivered',
        status: '2.0.0',
        hardBounce: false,
      }),
    ]);
  });

  it('finds nothing in an ordinary message', async () => {
    const report = await parseBounce('From: a@example.com\nTo: b@example.com\nSubject: Lunch?\n\nAt noon?\n');
    expect(report).toEqual({ kind: 'none', results: [], original: {} });
  });

  it('reads a session transcript sent to the postmaster: the RCPT TO recipient, the last error', async () => {
    const report = await parseBounce(
      crlf([
        'From: MAILER-DAEMON@mx.example.com (Mail Delivery System)',
        'To: postmaster@mx.example.com (Postmaster)',
        'Subject: Postfix SMTP server: errors from localhost[127.0.0.1]',
        '',
        'Transcript of session follows.',
        '',
        ' Out: 220 mx.example.com ESMTP',
        ' In:  MAIL FROM:<sender@example.org>',
        ' Out: 250 2.1.0 Ok',
        ' In:  RCPT TO:<Ana@Example.net>',
        ' Out: 250 2.1.5 Ok',
        ' In:  DATA',
        ' Out: 354 End data with <CR><LF>.<CR><LF>',
        ' Out: 451 4.3.0 Error: queue file write error',
        ' In:  QUIT',
      ]),
    );
    expect(report.kind).toBe('bounce');
    expect(report.results).toEqual([
      expect.objectContaining({
        recipient: 'ana@example.net',
        status: '4.3.0',
        replyCode: '451',
        hardBounce: false,
      }),
    ]);
  });

  it('does not read a transcript quoted by someone who is not a mail daemon', async () => {
    const report = await parseBounce(
      crlf([
        'From: Bea <bea@example.org>',
        'To: ana@example.net',
        'Subject: look at this log',
        '',
        ' In:  RCPT TO:<carla@example.net>',
        ' Out: 550 5.1.1 User unknown',
      ]),
    );
    expect(report.results).toEqual([]);
  });

  it("takes the returned message's To when a delivery-status report names no recipient", async () => {
    const report = await parseBounce(
      crlf([
        'From: MAILER-DAEMON@mx.example.com (Mail Delivery System)',
        'To: sender@example.org',
        'Subject: Undelivered Mail Returned to Sender',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        '--- Delivery report unavailable ---',
        '--b',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example.com',
        '--b',
        'Content-Type: message/rfc822',
        '',
        'From: sender@example.org',
        'To: Dora <dora@example.net>',
        'Subject: hi',
        '',
        'hi',
        '--b--',
      ]),
    );
    expect(report.kind).toBe('bounce');
    expect(report.results.map((r) => [r.recipient, r.hardBounce])).toEqual([['dora@example.net', false]]);
  });

  it('reads every message of an mbox file of bounces', async () => {
    const bounce = (to: string) => [
      'From: MAILER-DAEMON@mx.example.com',
      'To: sender@example.org',
      'Subject: Undelivered Mail Returned to Sender',
      '',
      `<${to}>: host mx.example.net said: 550 5.1.1 <${to}>: Recipient address rejected: User unknown (in reply to RCPT TO command)`,
      '',
    ];
    const report = await parseBounce(
      crlf([
        'From MAILER-DAEMON  Thu Jul  2 12:05:05 2020',
        ...bounce('one@example.net'),
        'From MAILER-DAEMON  Thu Jul  2 12:06:05 2020',
        ...bounce('two@example.net'),
      ]),
    );
    expect(report.results.map((r) => [r.recipient, r.reason])).toEqual([
      ['one@example.net', 'userunknown'],
      ['two@example.net', 'userunknown'],
    ]);
  });
});
