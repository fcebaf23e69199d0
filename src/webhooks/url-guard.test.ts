import { describe, expect, it } from 'vitest';
import { type AddressClass, classifyAddress, vetWebhookUrl, WebhookUrlRefused } from './url-guard.ts';

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

describe('vetWebhookUrl', () => {
  const lookup = (addresses: string[]) => async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('returns the vetted address of a public host', async () => {
    const vetted = await vetWebhookUrl('https://hooks.example.com/in', {
      allowPrivate: false,
      lookup: lookup(['93.184.216.34']),
    });
    expect(vetted).toMatchObject({ address: '93.184.216.34', family: 4 });
    expect(vetted.url.hostname).toBe('hooks.example.com');
  });

  it('refuses a host when any of its addresses is private, naming it and the setting', async () => {
    const refusal = vetWebhookUrl('https://rebind.example.com/', {
      allowPrivate: false,
      lookup: lookup(['93.184.216.34', '10.0.0.5']),
    });
    await expect(refusal).rejects.toThrow(WebhookUrlRefused);
    await expect(refusal).rejects.toMatchObject({ code: 'webhook_url_not_allowed' });
    await expect(refusal).rejects.toThrow(/resolves to 10\.0\.0\.5.*AVISO_WEBHOOKS_ALLOW_PRIVATE=true/);
  });

  it('refuses literal private addresses without a lookup, and allows them when told to', async () => {
    const never = async () => {
      throw new Error('no lookup for a literal');
    };
    for (const url of ['http://127.0.0.1:8080/', 'http://[::ffff:127.0.0.1]/', 'http://[fe80::1]/']) {
      await expect(vetWebhookUrl(url, { allowPrivate: false, lookup: never })).rejects.toMatchObject({
        code: 'webhook_url_not_allowed',
      });
    }
    expect((await vetWebhookUrl('http://127.0.0.1:8080/', { allowPrivate: true })).address).toBe('127.0.0.1');
    expect((await vetWebhookUrl('http://[::1]/', { allowPrivate: true })).family).toBe(6);
  });

  it('refuses other schemes, credentials and unresolvable hosts', async () => {
    const options = { allowPrivate: true, lookup: lookup(['93.184.216.34']) };
    await expect(vetWebhookUrl('ftp://example.com/', options)).rejects.toMatchObject({
      code: 'webhook_url_invalid',
    });
    await expect(vetWebhookUrl('https://user:pw@example.com/', options)).rejects.toMatchObject({
      code: 'webhook_url_invalid',
    });
    await expect(vetWebhookUrl('not a url', options)).rejects.toMatchObject({ code: 'webhook_url_invalid' });
    const failing = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    await expect(
      vetWebhookUrl('https://nowhere.invalid/', { allowPrivate: true, lookup: failing }),
    ).rejects.toMatchObject({ code: 'webhook_url_unresolvable' });
  });
});
