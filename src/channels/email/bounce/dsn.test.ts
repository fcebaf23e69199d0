import { describe, expect, it } from 'vitest';
import { dsnFailures, looksLikeDeliveryStatus, parseDeliveryStatus, typedValue } from './dsn.ts';

describe('parseDeliveryStatus (RFC 3464)', () => {
  it('separates the per-message fields from each recipient and unfolds continuation lines', () => {
    const status = parseDeliveryStatus(
      [
        'Reporting-MTA: dns; mx.example.org',
        'Arrival-Date: Thu, 29 Apr 2010 23:34:45 +0900',
        '',
        'Final-Recipient: rfc822; Kijitora@Example.JP',
        'Original-Recipient: rfc822;kijitora@example.jp',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 <kijitora@example.jp>... User',
        '    unknown in local recipient table',
        '',
        'Final-Recipient: rfc822; mikeneko@example.jp',
        'Action: delayed',
        'Status: 4.4.7',
      ].join('\n'),
    );
    expect(status.message.get('reporting-mta')).toBe('dns; mx.example.org');
    expect(status.recipients).toHaveLength(2);
    expect(dsnFailures(status)).toEqual([
      expect.objectContaining({
        recipient: 'kijitora@example.jp',
        status: '5.1.1',
        action: 'failed',
        diagnostic: '550 5.1.1 <kijitora@example.jp>... User unknown in local recipient table',
      }),
      expect.objectContaining({ recipient: 'mikeneko@example.jp', status: '4.4.7', action: 'delayed' }),
    ]);
  });

  it('starts a new recipient at a repeated Final-Recipient even without an empty line', () => {
    const status = parseDeliveryStatus(
      'Final-Recipient: rfc822; a@example.com\nStatus: 5.1.1\nFinal-Recipient: rfc822; b@example.com\nStatus: 5.2.2\n',
    );
    expect(dsnFailures(status).map((f) => [f.recipient, f.status])).toEqual([
      ['a@example.com', '5.1.1'],
      ['b@example.com', '5.2.2'],
    ]);
  });

  it('marks an X-Unix diagnostic as a local delivery program failure', () => {
    const [failure] = dsnFailures(
      parseDeliveryStatus(
        'Final-Recipient: rfc822; a@example.com\nStatus: 5.3.0\nDiagnostic-Code: X-Unix; 77\n',
      ),
    );
    expect(failure?.localDelivery).toBe(true);
  });

  it('reads typed values and recognises pasted DSN fields', () => {
    expect(typedValue('rfc822; <a@example.com>')).toBe('<a@example.com>');
    expect(typedValue('smtp;550 no')).toBe('550 no');
    expect(looksLikeDeliveryStatus('Final-Recipient: rfc822; a@example.com\nAction: failed')).toBe(true);
    expect(looksLikeDeliveryStatus('Dear customer, your order has shipped')).toBe(false);
  });
});
