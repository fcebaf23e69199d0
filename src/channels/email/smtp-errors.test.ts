import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../provider.ts';
import { classifySmtpFailure, enhancedStatus } from './smtp-errors.ts';

describe('classifySmtpFailure', () => {
  it.each([
    [{ responseCode: 451, command: 'DATA', response: '451 4.3.0 Try again later' }, 'transient'],
    [{ responseCode: 421, command: 'CONN', response: '421 Too many connections' }, 'transient'],
    [{ responseCode: 450, command: 'RCPT TO', response: '450 4.2.1 Mailbox busy' }, 'transient'],
    [{ code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:2525' }, 'transient'],
    [{ code: 'ETIMEDOUT', message: 'Greeting never received' }, 'transient'],
    [{ code: 'ESOCKET', message: 'socket hang up' }, 'transient'],
    [
      { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN', response: '535 5.7.8 Bad credentials' },
      'transient',
    ],
    [
      { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 No such user' },
      'bounce',
    ],
    [
      { code: 'EENVELOPE', responseCode: 553, command: 'RCPT TO', response: '553 mailbox name not allowed' },
      'bounce',
    ],
    [{ responseCode: 552, command: 'DATA', response: '552 5.2.2 Mailbox full' }, 'bounce'],
    [{ responseCode: 550, command: 'DATA', response: '550 5.1.1 <ana@example.com> unknown' }, 'bounce'],
    [{ responseCode: 554, command: 'DATA', response: '554 5.7.1 Message rejected as spam' }, 'failure'],
    [{ responseCode: 552, command: 'DATA', response: '552 5.3.4 Message too big' }, 'failure'],
    [{ responseCode: 550, command: 'MAIL FROM', response: '550 5.7.1 Sender not allowed' }, 'failure'],
    [
      { code: 'EMESSAGE', responseCode: 451, command: 'DATA', response: '451 4.3.0 Try again later' },
      'transient',
    ],
    [
      { code: 'EMESSAGE', responseCode: 554, command: 'DATA', response: '554 5.6.0 Message refused' },
      'failure',
    ],
  ])('%j → %s', (err, verdict) => {
    const result = classifySmtpFailure(err);
    if (verdict === 'transient') expect(result).toBeInstanceOf(TransientError);
    else {
      expect(result).toBeInstanceOf(PermanentError);
      expect((result as PermanentError).kind).toBe(verdict);
    }
  });

  it('keeps the reply and its codes', () => {
    const result = classifySmtpFailure({
      responseCode: 550,
      command: 'RCPT TO',
      response: '550 5.1.1 No such user',
    });
    expect(result.details).toEqual({
      response: '550 5.1.1 No such user',
      responseCode: 550,
      enhancedStatus: '5.1.1',
    });
  });
});

describe('enhancedStatus', () => {
  it.each([
    ['250 2.0.0 Ok: queued as 12345', '2.0.0'],
    ['550 5.1.1 <a@b.c>: Recipient address rejected', '5.1.1'],
    ['451 Try again', undefined],
    [undefined, undefined],
  ])('%j → %s', (reply, status) => {
    expect(enhancedStatus(reply)).toBe(status);
  });
});
