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

/** A notice from a mail daemon with the given subject and text, and no returned message. */
function plain(subject: string, body: string[], from = 'Mail System <mailer-daemon@relay.example.net>') {
  return [`From: ${from}`, 'To: bounces@sender.example', `Subject: ${subject}`, '', ...body].join('\n');
}

const recipients = async (raw: string) => (await parseBounce(raw)).results.map((r) => r.recipient);

describe('failed recipients in plain notices of no known family', () => {
  it('are the addresses listed under a sentence announcing them, entry by entry', async () => {
    const raw = plain('Delivery Failure', [
      'Sorry. We were unable to pass your mail on to the following addresses:',
      '',
      '> "Ana Ruiz" <ana@example.org>',
      '      mailbox does not exist',
      '> ben@example.org on Tue, 3 Dec 2026 10:00:00',
      '      mailbox does not exist',
      '',
      'For help, ask the administrator at help@relay.example.net; try again later.',
    ]);
    // The help line below the list is not an entry.
    expect(await recipients(raw)).toEqual(['ana@example.org', 'ben@example.org']);
  });

  it('take the address on the announcing line itself, or a bare mailbox at the notice’s domain', async () => {
    expect(
      await recipients(
        plain('Processing Error', ['Intended recipient: carla@example.org', '', 'Your mail failed.']),
      ),
    ).toEqual(['carla@example.org']);
    expect(
      await recipients(
        plain(
          'Mail Delivery Problem',
          ['Your mail to the following recipients was refused by them:', '\tdaniel', ''],
          'Mailer <MAILER-DAEMON@example.org>',
        ),
      ),
    ).toEqual(['daniel@example.org']);
  });

  it('never include an address given as an example in a sentence of advice', async () => {
    const raw = plain('Returned mail', [
      'Message not delivered to the following:',
      '  <erin@example.org>   no such mailbox',
      '',
      'To reach someone formerly at this school, try writing to first.last@alumni.example.org',
      'or look them up with the directory at people@directory.example.org before you send.',
    ]);
    expect(await recipients(raw)).toEqual(['erin@example.org']);
  });

  it('fall back to the returned message’s envelope recipient when the notice names nobody', async () => {
    const raw = plain('Your message', [
      'I was not able to deliver the message below. This is a permanent error; I gave up.',
      '',
      '--- Start of returned message ---',
      'Received: from out.sender.example by mx.example.org; for <frank@example.org>; Tue, 3 Dec 2026',
      'To: Team <team-list@sender.example>',
      'Subject: Hello',
      '',
      'Hi',
    ]);
    expect(await recipients(raw)).toEqual(['frank@example.org']);
  });

  it('read an X.400 gateway’s SMTP= attribute and a quoted local part as the address itself', async () => {
    const x400 = plain('Undeliverable: Hello', [
      'did not reach the following recipient(s):',
      '',
      'c=US;a= ;p=Corp;o=Gate;dda:SMTP=gina@example.org; on Tue, 3 Dec 2026',
      '    The recipient name is not recognized',
    ]);
    expect(await recipients(x400)).toEqual(['gina@example.org']);
    const quoted = plain('Undelivered Mail Returned to Sender', [
      '<"h..ugo"@example.org>: host mx.example.org said: 550 5.1.1 no such user (in reply to RCPT TO)',
    ]);
    expect(await recipients(quoted)).toEqual(['"h..ugo"@example.org']);
    // Unquoted, two dots in a row are an elision ("ivan...@example.org"), not an address.
    expect(
      await recipients(plain('Undelivered Mail', ['<ivan...@example.org>: 550 5.1.1 no such user'])),
    ).toEqual([]);
  });
});

describe('failed recipients in delivery-status reports', () => {
  const dsn = (fields: string[]) =>
    [
      'From: MAILER-DAEMON@mx.example.org',
      'To: bounces@sender.example',
      'Subject: Delivery Status Notification (Failure)',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'Delivery to the following recipients failed.',
      '',
      '--B',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.org',
      '',
      ...fields,
      '',
      '--B--',
    ].join('\n');

  it('are the address as sent (Original-Recipient) when an alias or forward changed it', async () => {
    const raw = dsn([
      'Final-Recipient: rfc822; j.smith@internal.example.org',
      'Original-Recipient: rfc822; jane@example.org',
      'Action: failed',
      'Status: 5.2.2',
    ]);
    expect(await recipients(raw)).toEqual(['jane@example.org']);
    // An Original-Recipient that is no mail address leaves the final one.
    expect(await recipients(raw.replace('rfc822; jane@example.org', 'x400; c=US;a=;p=Corp;s=Jane'))).toEqual([
      'j.smith@internal.example.org',
    ]);
  });

  it('are read from a report forwarded inside another message', async () => {
    const inner = dsn(['Final-Recipient: rfc822; kim@example.org', 'Action: failed', 'Status: 5.1.1']);
    const raw = [
      'From: postmaster@gateway.example.net',
      'To: bounces@sender.example',
      'Subject: Delivery Status Notification (Failure)',
      'Content-Type: multipart/mixed; boundary="OUT"',
      '',
      '--OUT',
      'Content-Type: message/rfc822',
      '',
      inner,
      '--OUT--',
    ].join('\n');
    const report = await parseBounce(raw);
    expect(report.results.map((r) => [r.recipient, r.status, r.hardBounce])).toEqual([
      ['kim@example.org', '5.1.1', true],
    ]);
  });
});
