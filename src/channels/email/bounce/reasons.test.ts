import { describe, expect, it } from 'vitest';
import { concepts } from './phrases.ts';
import { classifyFailure, classifyReason, isHardBounce } from './reasons.ts';
import { findReplyCode, findStatus, pseudoStatus, reasonOfStatus } from './status-codes.ts';

describe('status codes', () => {
  it.each([
    ['5.1.1', 'userunknown'],
    ['5.1.2', 'hostunknown'],
    ['5.2.2', 'mailboxfull'],
    ['4.2.2', 'mailboxfull'],
    ['5.1.10', 'notaccept'],
    ['5.7.26', 'authfailure'],
    ['5.7.25', 'requireptr'],
    ['5.3.4', 'mesgtoobig'],
    ['5.0.0', undefined],
    ['5.7.1', undefined],
  ])('%s names %s', (status, reason) => {
    expect(reasonOfStatus(status)).toBe(reason);
  });

  it('does not take a product version for a status code', () => {
    expect(findStatus('X-Virus-Scanned: ClamAV 4.5.1 on mx; 550 5.7.1 message refused')).toBe('5.7.1');
    expect(findStatus('Scanned by amavisd-new 2.11.0 at example.org')).toBe('');
    expect(findStatus('gateway v5.1.2 said: 554 5.7.0 rejected')).toBe('5.7.0');
    expect(findStatus('remote server said (#5.1.1) no mailbox here')).toBe('5.1.1');
  });

  it('finds codes in replies, not in IP addresses or versions', () => {
    expect(findStatus('host 192.0.2.1 said: 550 5.1.1 <a@b.c>... User unknown')).toBe('5.1.1');
    expect(findStatus('Sendmail 8.14.4/8.14.4 at 192.0.2.5')).toBe('');
    expect(findReplyCode('host mx said: 550-5.7.1 blocked')).toBe('550');
    expect(findReplyCode('451 4.3.0 try later', '5.3.0')).toBe('');
  });

  it('gives a pseudo code of the right class when the report has none', () => {
    expect(pseudoStatus('userunknown', false)).toBe('5.0.911');
    expect(pseudoStatus('expired', true)).toBe('4.0.947');
    expect(pseudoStatus('feedback', false)).toBe('');
  });
});

describe('classifyReason', () => {
  const reason = (diagnostic: string, status = '', extra = {}) =>
    classifyReason({ recipient: 'a@example.com', diagnostic, ...extra }, status);

  it.each([
    ['552 5.2.2 Mailbox full', '5.2.2', 'mailboxfull'],
    ['550 5.1.1 <a@example.com>: Recipient address rejected: User unknown', '5.1.1', 'userunknown'],
    [
      '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org',
      '5.7.1',
      'blocked',
    ],
    ['550 5.7.1 Message rejected as spam by Content Filtering', '5.7.1', 'spamdetected'],
    ['550 5.7.26 Unauthenticated email is not accepted from this domain', '5.7.26', 'authfailure'],
    ['450 4.7.1 Client host rejected: cannot find your hostname', '4.7.1', 'requireptr'],
    ['554 5.7.1 Relay access denied', '5.7.1', 'norelaying'],
    ['550 5.2.1 The email account that you tried to reach is disabled', '5.2.1', 'suspend'],
    ['Host or domain name not found. Name service error for name=example.invalid', '5.4.4', 'hostunknown'],
    ['Host or domain name not found. Name service error (try again)', '4.4.3', 'networkerror'],
  ])('%s → %s', (diagnostic, status, expected) => {
    expect(reason(diagnostic, status)).toBe(expected);
  });

  it('takes "user unknown" after DATA for a filter, at RCPT TO for a missing mailbox', () => {
    expect(reason('550 Unknown user kijitora@example.jp', '5.0.0', { command: 'DATA' })).toBe('filtered');
    expect(reason('550 Unknown user kijitora@example.jp', '5.0.0', { command: 'RCPT' })).toBe('userunknown');
  });

  it('calls a failing local delivery program a mailer error unless the mailbox is full', () => {
    expect(reason('procmail: no such user', '5.1.1', { localDelivery: true })).toBe('mailererror');
    expect(reason('Quota exceeded', '4.3.0', { localDelivery: true })).toBe('mailboxfull');
  });

  it('falls back on the action and the status class', () => {
    expect(reason('', '', { action: 'delayed' })).toBe('expired');
    expect(reason('something odd', '5.6.9')).toBe('contenterror');
    expect(reason('', '')).toBe('undefined');
  });
});

describe('classifyFailure', () => {
  it('prefers the remote server code to the reporting MTA one and fills the reply code', () => {
    const result = classifyFailure({
      recipient: 'A@Example.COM',
      diagnostic: "Unknown address error 550-'5.2.2 <a@example.com>... Mailbox Full'",
      status: '5.1.0',
    });
    expect(result).toMatchObject({
      recipient: 'a@example.com',
      status: '5.2.2',
      replyCode: '550',
      reason: 'mailboxfull',
      hardBounce: false,
      feedbackType: null,
    });
  });

  it('suppresses unknown users and hosts, and null MX only when permanent', () => {
    expect(isHardBounce('userunknown', '5.1.1')).toBe(true);
    expect(isHardBounce('hostunknown', '5.0.912')).toBe(true);
    expect(isHardBounce('notaccept', '5.1.10')).toBe(true);
    expect(isHardBounce('notaccept', '4.0.0')).toBe(false);
    expect(isHardBounce('mailboxfull', '5.2.2')).toBe(false);
  });
});

describe('general grammar: wordings no corpus message has', () => {
  const reason = (diagnostic: string, command?: string) =>
    classifyReason({ recipient: 'a@example.com', diagnostic, ...(command ? { command } : {}) }, '');

  it.each([
    ['550 The destination mailbox you wrote to does not exist here', 'RCPT', 'userunknown'],
    ['550 Invalid local destination address', 'RCPT', 'userunknown'],
    ['550 no such mail domain nope.example', undefined, 'hostunknown'],
    ['550 the domain nope.example does not exist', undefined, 'hostunknown'],
    ['552 Mailbox storage for this user is full', undefined, 'mailboxfull'],
    ['550 This account has been disabled by its owner', undefined, 'suspend'],
    ['554 Your IP 192.0.2.1 is listed at zen.example', undefined, 'blocked'],
    ['550 Rejected: the DMARC policy of the sender domain says reject', undefined, 'authfailure'],
    ['554 Attachment contains malware', undefined, 'virusdetected'],
    ['550 Reverse DNS of the connecting host is missing', undefined, 'requireptr'],
    ['554 Message has multiple From: headers', undefined, 'notcompliantrfc'],
    ['Delivery failed after 30 attempts', undefined, 'expired'],
    ['550 5.7.1 Your message was classified as spam by our filter', undefined, 'spamdetected'],
    ['554 5.7.1 We are not permitted to relay for your domain', undefined, 'norelaying'],
    ['550 5.7.0 Recipient rejected: no relaying here', undefined, 'norelaying'],
    ['550 5.7.1 Message fails to pass SPF or DKIM authentication checks', undefined, 'authfailure'],
    ['554 Mail from dynamic IP ranges is not accepted', undefined, 'blocked'],
    ['550 Send through the SMTP server of your ISP', undefined, 'blocked'],
    ['421 Service refused, please try later', undefined, 'blocked'],
    ['552 5.7.0 The content poses a security risk', undefined, 'policyviolation'],
    // Bare replies: the best reading of the code and the command.
    ['550 <a@example.com>: Recipient address rejected', 'RCPT', 'userunknown'],
    ['550 Requested action not taken: mailbox unavailable', 'RCPT', 'userunknown'],
    ['550 rejected', undefined, 'rejected'],
    ['554 denied', undefined, 'rejected'],
    ['550 Recipient address rejected: on hold', 'RCPT', 'onhold'],
    ['550 Addressee not found in the corporate directory', 'RCPT', 'userunknown'],
    ['551 User not local; please try <b@example.net>', undefined, 'hasmoved'],
  ])('%s → %s', (diagnostic, command, expected) => {
    expect(reason(diagnostic, command)).toBe(expected);
  });

  it.each([
    ['550 The account or domain may not exist', 'userunknown'],
    ['550 Unknown sender address', 'userunknown'],
    ['550 User not listed in the public address book', 'blocked'],
  ])('does not read %s as %s', (diagnostic, wrong) => {
    expect(reason(diagnostic, 'RCPT')).not.toBe(wrong);
  });

  it.each([
    ['550 5.1.1 Rate limit exceeded for this recipient, try later', 'speeding'],
    ['550 5.1.1 Too many connections from your host', 'toomanyconn'],
    ['550 5.1.1 This account has been suspended', 'suspend'],
  ])('does not take a rate limit or a suspended account for an unknown user: %s', (diagnostic, expected) => {
    expect(classifyReason({ recipient: 'a@example.com', diagnostic, command: 'RCPT' }, '5.1.1')).toBe(
      expected,
    );
  });

  it.each([
    ['CONNECT', '554 Rejected', 'blocked'],
    ['EHLO', '550 Rejected', 'blocked'],
    ['MAIL', '550 Denied', 'rejected'],
  ])('reads a bare refusal by the SMTP stage: at %s, %s is %s', (command, diagnostic, expected) => {
    expect(classifyReason({ recipient: 'a@example.com', diagnostic, command }, '5.0.0')).toBe(expected);
  });

  it('reads a negated listing as no listing', () => {
    expect(concepts.blocked?.[0]?.test('the connecting host is listed at zen.example')).toBe(true);
    expect(concepts.blocked?.[0]?.test('the connecting host is not listed at zen.example')).toBe(false);
  });

  it('takes the code a generic expiry quotes for what actually failed', () => {
    const result = classifyFailure({
      recipient: 'a@example.com',
      status: '4.4.7',
      action: 'failed',
      diagnostic:
        '554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>',
    });
    expect(result.status).toBe('4.4.2');
  });
});
