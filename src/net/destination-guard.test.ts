import { describe, expect, it } from 'vitest';
import {
  type AddressClass,
  classifyAddress,
  DestinationRefused,
  parseHttpUrl,
  vetHost,
  vetHttpUrl,
} from './destination-guard.ts';

describe('classifyAddress', () => {
  const cases: [string, AddressClass][] = [
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.15.0.1', 'public'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    // IPv4-mapped, -compatible, NAT64 and 6to4 forms reach the IPv4 address inside.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:0808:0808::', 'public'],
  ];
  it.each(cases)('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it('throws on something that is not an IP address', () => {
    expect(() => classifyAddress('example.com')).toThrow();
  });
});

const lookup = (addresses: string[]) => async () =>
  addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
const guarded = (resolve = lookup(['93.184.216.34'])) => ({
  allowPrivate: false,
  advice: 'set THE_SETTING=true.',
  lookup: resolve,
});
const open = { ...guarded(), allowPrivate: true };

describe('vetHttpUrl', () => {
  it('returns the vetted address of a public host', async () => {
    const vetted = await vetHttpUrl('https://hooks.example.com/in', guarded());
    expect(vetted).toMatchObject({ host: 'hooks.example.com', address: '93.184.216.34', family: 4 });
    expect(vetted.url.hostname).toBe('hooks.example.com');
  });

  it('refuses a host when any of its addresses is private, naming it and the advice', async () => {
    const refusal = vetHttpUrl('https://rebind.example.com/', guarded(lookup(['93.184.216.34', '10.0.0.5'])));
    await expect(refusal).rejects.toThrow(DestinationRefused);
    await expect(refusal).rejects.toMatchObject({ problem: 'not_allowed' });
    await expect(refusal).rejects.toThrow(/resolves to 10\.0\.0\.5, a private address: set THE_SETTING=true/);
  });

  it('refuses literal private addresses without a lookup, and allows them when told to', async () => {
    const never = async () => {
      throw new Error('no lookup for a literal');
    };
    for (const url of [
      'http://127.0.0.1:8080/',
      'http://[::ffff:127.0.0.1]/',
      'http://[fe80::1]/',
      'http://2130706433/',
      'http://0x7f.1/',
    ]) {
      await expect(vetHttpUrl(url, guarded(never))).rejects.toMatchObject({ problem: 'not_allowed' });
    }
    expect((await vetHttpUrl('http://127.0.0.1:8080/', open)).address).toBe('127.0.0.1');
    expect((await vetHttpUrl('http://[::1]/', open)).family).toBe(6);
  });

  it('refuses other schemes, credentials and unresolvable hosts', async () => {
    await expect(vetHttpUrl('ftp://example.com/', open)).rejects.toMatchObject({ problem: 'invalid' });
    await expect(vetHttpUrl('https://user:pw@example.com/', open)).rejects.toMatchObject({
      problem: 'invalid',
    });
    await expect(vetHttpUrl('not-a-url', open)).rejects.toMatchObject({ problem: 'invalid' });
    const failing = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    await expect(vetHttpUrl('https://nowhere.invalid/', { ...open, lookup: failing })).rejects.toMatchObject({
      problem: 'unresolvable',
    });
  });
});

describe('parseHttpUrl', () => {
  // WHATWG URL parsing drops tabs and line breaks and encodes spaces: what it returns is not
  // what was given, so such text is refused before it is parsed.
  it.each([
    ['a CR/LF', 'https://hooks.example.com/in\r\nX-Injected: 1', 'U+000D at position 29'],
    ['a line feed in the host', 'https://hooks.exa\nmple.com/', 'U+000A at position 18'],
    ['a tab', 'https://hooks.example.com/\tin', 'U+0009'],
    ['a space', 'https://hooks.example.com/a b', 'U+0020'],
    ['a leading space', ' https://hooks.example.com/', 'U+0020 at position 1'],
    ['a NUL', 'https://hooks.example.com/\u0000', 'U+0000'],
    ['a no-break space', 'https://hooks.example.com/\u00a0', 'U+00A0'],
    ['a bidi override', 'https://hooks.example.com/\u202e', 'U+202E'],
  ])('refuses %s', (_what, text, where) => {
    const refusal = (() => {
      try {
        parseHttpUrl(text, 'A webhook URL');
      } catch (err) {
        return err;
      }
    })();
    expect(refusal).toBeInstanceOf(DestinationRefused);
    expect(refusal).toMatchObject({ problem: 'invalid' });
    expect((refusal as Error).message).toContain(
      `A webhook URL may not contain spaces or control characters (${where}`,
    );
  });
});

describe('vetHost', () => {
  it('vets a bare host name or address (SMTP relays, SMSCs)', async () => {
    await expect(vetHost('smsc.example.com', guarded())).resolves.toMatchObject({ address: '93.184.216.34' });
    await expect(vetHost('127.0.0.1', guarded())).rejects.toMatchObject({ problem: 'not_allowed' });
    await expect(vetHost('[::1]', guarded())).rejects.toMatchObject({ problem: 'not_allowed' });
    await expect(vetHost('smsc.internal', guarded(lookup(['192.168.1.20'])))).rejects.toMatchObject({
      problem: 'not_allowed',
    });
    await expect(vetHost('smsc .example.com', open)).rejects.toMatchObject({ problem: 'invalid' });
    await expect(vetHost('10.0.0.5', open)).resolves.toMatchObject({ address: '10.0.0.5' });
  });
});
