import { describe, expect, it } from 'vitest';
import { classifyHit, isAppleAddress, type TrackingHit } from './machine.ts';

const chrome =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const iphoneMail =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const sentAt = new Date('2025-01-01T10:00:00Z');
const later = new Date('2025-01-01T10:05:00Z');

const open = (over: Partial<TrackingHit>): TrackingHit => ({
  kind: 'open',
  method: 'GET',
  userAgent: chrome,
  ip: '203.0.113.9',
  at: later,
  sentAt,
  ...over,
});
const click = (over: Partial<TrackingHit>): TrackingHit => ({
  ...open({}),
  kind: 'click',
  linkIndex: 0,
  ...over,
});

describe('classifyHit: opens', () => {
  it.each([
    ['a mail client', open({ userAgent: iphoneMail }), { machine: null, signal: null }],
    ['a browser (webmail)', open({}), { machine: null, signal: null }],
    [
      "Apple's address range",
      open({ ip: '17.58.1.2', userAgent: iphoneMail }),
      { machine: 'privacy-proxy', signal: 'apple-address', proxy: 'apple' },
    ],
    [
      "Apple's range, IPv4-mapped",
      open({ ip: '::ffff:17.1.2.3' }),
      { machine: 'privacy-proxy', signal: 'apple-address', proxy: 'apple' },
    ],
    [
      'the bare Mozilla/5.0 of Mail Privacy Protection',
      open({ userAgent: 'Mozilla/5.0' }),
      { machine: 'privacy-proxy', signal: 'bare-mozilla-user-agent', proxy: 'apple' },
    ],
    [
      "Gmail's image proxy (a person opened it)",
      open({
        userAgent:
          'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
      }),
      { machine: null, signal: null, proxy: 'gmail' },
    ],
    [
      "Yahoo's image proxy",
      open({ userAgent: 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html' }),
      { machine: null, signal: null, proxy: 'yahoo' },
    ],
    ['a HEAD request', open({ method: 'HEAD' }), { machine: 'link-scanner', signal: 'head-request' }],
    [
      'a scanner fetching images',
      open({ userAgent: 'Barracuda Sentinel (EE)' }),
      { machine: 'link-scanner', signal: 'user-agent:barracuda' },
    ],
    ['no user agent', open({ userAgent: null }), { machine: 'link-scanner', signal: 'no-user-agent' }],
    [
      'an open right after sending is still human',
      open({ at: new Date(sentAt.getTime() + 500) }),
      { machine: null, signal: null },
    ],
  ])('%s', (_name, hit, expected) => {
    expect(classifyHit(hit)).toEqual(expected);
  });
});

describe('classifyHit: clicks', () => {
  it.each([
    ['a person in a browser', click({}), { machine: null, signal: null }],
    ['a person in a mail app', click({ userAgent: iphoneMail }), { machine: null, signal: null }],
    ['a HEAD request', click({ method: 'head' }), { machine: 'link-scanner', signal: 'head-request' }],
    ['Apple addresses are not a click signal', click({ ip: '17.58.1.2' }), { machine: null, signal: null }],
    ['no user agent', click({ userAgent: '' }), { machine: 'link-scanner', signal: 'no-user-agent' }],
    [
      'right after sending',
      click({ at: new Date(sentAt.getTime() + 1500) }),
      { machine: 'link-scanner', signal: 'right-after-sending' },
    ],
    [
      'before the send was recorded',
      click({ sentAt: null }),
      { machine: 'link-scanner', signal: 'right-after-sending' },
    ],
    [
      '2.5 s after sending',
      click({ at: new Date(sentAt.getTime() + 2500) }),
      { machine: null, signal: null },
    ],
    [
      'another link of the message a moment ago',
      click({ linkIndex: 1, recentClicks: [{ linkIndex: 0, at: new Date(later.getTime() - 300) }] }),
      { machine: 'link-scanner', signal: 'several-links-at-once' },
    ],
    [
      'the same link a moment ago (a double click)',
      click({ linkIndex: 0, recentClicks: [{ linkIndex: 0, at: new Date(later.getTime() - 300) }] }),
      { machine: null, signal: null },
    ],
    [
      'another link two seconds ago',
      click({ linkIndex: 1, recentClicks: [{ linkIndex: 0, at: new Date(later.getTime() - 2000) }] }),
      { machine: null, signal: null },
    ],
  ])('%s', (_name, hit, expected) => {
    expect(classifyHit(hit)).toEqual(expected);
  });

  it.each([
    ['Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)', 'microsoft-safe-links'],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) BingPreview/1.0b',
      'bingpreview',
    ],
    ['Mimecast URL Protect', 'mimecast'],
    ['Proofpoint URL Defense', 'proofpoint'],
    ['Symantec Email Security.cloud', 'symantec'],
    ['python-requests/2.31.0', 'python'],
    ['curl/8.5.0', 'curl'],
    ['Go-http-client/1.1', 'go-http-client'],
    ['Java/17.0.2', 'java'],
    ['okhttp/4.12.0', 'okhttp'],
    ['Wget/1.21.4', 'wget'],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36',
      'headless-browser',
    ],
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'bot'],
    ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'bot'],
    ['SomeCrawler/1.0', 'bot'],
    ['facebookexternalhit/1.1', 'link-preview'],
  ])('flags the scanner %s', (userAgent, signal) => {
    expect(classifyHit(click({ userAgent }))).toEqual({
      machine: 'link-scanner',
      signal: `user-agent:${signal}`,
    });
  });

  it('does not take a phone called Cubot for a bot', () => {
    const cubot =
      'Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Mobile';
    expect(classifyHit(click({ userAgent: cubot })).machine).toBeNull();
  });
});

describe('isAppleAddress', () => {
  it.each([
    ['17.0.0.1', true],
    ['17.255.255.255', true],
    ['::ffff:17.58.1.2', true],
    ['170.1.2.3', false],
    ['117.1.2.3', false],
    ['2a01:b740::1', false],
    [null, false],
  ])('%s → %s', (ip, expected) => {
    expect(isAppleAddress(ip)).toBe(expected);
  });
});
