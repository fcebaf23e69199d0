import { describe, expect, it } from 'vitest';
import { decodeEntities, trackHtml } from './rewrite.ts';
import { readToken } from './tokens.ts';
import { unsubscribeUrl } from './unsubscribe.ts';

const secret = Buffer.alloc(32, 3);
const messageId = 'msg_01jd0q8r6f3c9v2k7x5m4n8p1t';
const baseUrl = 'https://aviso.example';
const options = { messageId, baseUrl, secret, opens: false, clicks: true };

const clickPrefix = `${baseUrl}/t/c/`;

/** The links of the output, each with the URL and index its token carries (null: not tracked). */
function links(html: string) {
  return [...html.matchAll(/\shref="([^"]*)"/gi)].map((m) => {
    const href = (m[1] as string).replace(/&amp;/g, '&');
    if (!href.startsWith(clickPrefix)) return { href, tracked: null };
    const token = readToken('click', href.slice(clickPrefix.length), secret);
    return { href, tracked: token && { url: token.url, linkIndex: token.linkIndex } };
  });
}

describe('trackHtml: links', () => {
  it.each([
    ['double quotes', '<a href="https://shop.example/a">x</a>', 'https://shop.example/a'],
    ['single quotes', "<a href='https://shop.example/a'>x</a>", 'https://shop.example/a'],
    ['unquoted', '<a href=https://shop.example/a>x</a>', 'https://shop.example/a'],
    ['unquoted, slash at the end', '<a href=https://shop.example/>x</a>', 'https://shop.example/'],
    ['upper case', '<A HREF="HTTPS://shop.example/A">x</A>', 'HTTPS://shop.example/A'],
    ['http', '<a href="http://shop.example/a">x</a>', 'http://shop.example/a'],
    [
      'entities decoded',
      '<a href="https://s.example/?a=1&amp;b=2&#38;c=&#x33;">x</a>',
      'https://s.example/?a=1&b=2&c=3',
    ],
    ['spaces around the URL', '<a href="  https://shop.example/a \n">x</a>', 'https://shop.example/a'],
    [
      'newlines in the tag',
      '<a\n  class="btn"\n  href="https://shop.example/a"\n>x</a>',
      'https://shop.example/a',
    ],
    ['spaces around =', '<a href = "https://shop.example/a">x</a>', 'https://shop.example/a'],
    [
      'href after other attributes',
      '<a title="a > b" style="color:red" href="https://s.example/">x</a>',
      'https://s.example/',
    ],
  ])('rewrites a link: %s', (_name, html, url) => {
    const out = trackHtml(html, options);
    expect(links(out)).toEqual([
      { href: expect.stringMatching(/^https:\/\/aviso\.example\/t\/c\//), tracked: { url, linkIndex: 0 } },
    ]);
  });

  it.each([
    ['mailto', '<a href="mailto:help@shop.example">x</a>'],
    ['tel', '<a href="tel:+34600000000">x</a>'],
    ['sms', '<a href="sms:+34600000000">x</a>'],
    ['anchor', '<a href="#top">x</a>'],
    ['relative', '<a href="/account">x</a>'],
    ['protocol-relative', '<a href="//shop.example/a">x</a>'],
    ['javascript', '<a href="javascript:alert(1)">x</a>'],
    ['no href', '<a name="top">x</a>'],
    ['empty href', '<a href="">x</a>'],
    ['not a URL', '<a href="https://">x</a>'],
    ['an abbr tag', '<abbr title="https://shop.example/">x</abbr>'],
    ['an area of text', '<p>see https://shop.example/a</p>'],
    ['our unsubscribe link', `<a href="${unsubscribeUrl(messageId, baseUrl, secret)}">unsubscribe</a>`],
    ['our own tracking link', `<a href="${baseUrl}/t/c/abc.def">x</a>`],
  ])('leaves alone: %s', (_name, html) => {
    expect(trackHtml(html, options)).toBe(html);
  });

  it('keeps other attributes and their quoting, and everything around the tags, byte for byte', () => {
    const html =
      '<p>Hi</p>\n<a class="btn" href="https://s.example/a" target=_blank data-x=\'1\' disabled>Go</a> <!-- c -->';
    const out = trackHtml(html, options);
    const [href] = links(out);
    expect(out).toBe(
      `<p>Hi</p>\n<a class="btn" href="${href?.href}" target=_blank data-x='1' disabled>Go</a> <!-- c -->`,
    );
  });

  it('numbers the tracked links in document order', () => {
    const html =
      '<a href="https://a.example/">a</a><a href="mailto:x@y.example">m</a><a href="https://b.example/">b</a>' +
      '<a href="https://a.example/">a again</a>';
    expect(links(trackHtml(html, options)).map((l) => l.tracked)).toEqual([
      { url: 'https://a.example/', linkIndex: 0 },
      null,
      { url: 'https://b.example/', linkIndex: 1 },
      { url: 'https://a.example/', linkIndex: 2 },
    ]);
  });

  it('skips links marked data-aviso-track="off" and removes the mark, in any quoting', () => {
    for (const mark of [
      'data-aviso-track="off"',
      "data-aviso-track='off'",
      'data-aviso-track=off',
      'DATA-AVISO-TRACK="OFF"',
    ]) {
      const html = `<a href="https://s.example/a" ${mark} class="x">a</a><a href="https://s.example/b">b</a>`;
      expect(trackHtml(html, options)).toMatch(
        /^<a href="https:\/\/s\.example\/a" class="x">a<\/a><a href="https:\/\/aviso/,
      );
    }
    // Any other value only removes the mark.
    const kept = trackHtml('<a data-aviso-track="on" href="https://s.example/a">a</a>', options);
    expect(links(kept)[0]?.tracked).toEqual({ url: 'https://s.example/a', linkIndex: 0 });
    expect(kept).not.toContain('data-aviso-track');
  });

  it('escapes the new href and handles a self-closing or broken tag', () => {
    const out = trackHtml('<a href="https://s.example/"/>', { ...options, baseUrl: 'https://a.example/x&y' });
    expect(out).toMatch(/^<a href="https:\/\/a\.example\/x&amp;y\/t\/c\/[^"]+"\/>$/);
    const broken = '<p>text <a href="https://s.example/ never closed';
    expect(trackHtml(broken, options)).toBe(broken);
  });

  it('does not wrap links without clicks on', () => {
    const html = '<a href="https://s.example/a">a</a>';
    expect(trackHtml(html, { ...options, clicks: false })).toBe(html);
  });
});

describe('trackHtml: open pixel', () => {
  const pixelToken = (html: string) => {
    const src = /<img src="https:\/\/aviso\.example\/t\/o\/([^"]+)" width="1" height="1" alt=""/.exec(
      html,
    )?.[1];
    return src ? readToken('open', src, secret) : null;
  };

  it('goes just before </body>, in any case', () => {
    const out = trackHtml('<html><body><p>Hi</p></BODY></html>', { ...options, opens: true, clicks: false });
    expect(out).toMatch(/^<html><body><p>Hi<\/p><img [^>]+\/><\/BODY><\/html>$/);
    expect(pixelToken(out)).toEqual({ kind: 'open', messageId });
  });

  it('goes at the end without a body tag', () => {
    const out = trackHtml('<p>Hi</p>', { ...options, opens: true });
    expect(out).toMatch(/^<p>Hi<\/p><img [^>]+\/>$/);
    expect(pixelToken(out)).toEqual({ kind: 'open', messageId });
  });

  it('is absent without opens', () => {
    expect(trackHtml('<body></body>', options)).toBe('<body></body>');
  });
});

describe('decodeEntities', () => {
  it.each([
    ['a&amp;b', 'a&b'],
    ['&lt;&gt;&quot;&apos;', '<>"\''],
    ['&#65;&#x42;&#X43;', 'ABC'],
    ['&#65', 'A'],
    ['&copy=2', '&copy=2'],
    ['&unknown;', '&unknown;'],
    ['&#0;&#xD800;', '\ufffd\ufffd'],
    ['&#128512;', '😀'],
  ])('%s → %s', (input, output) => {
    expect(decodeEntities(input)).toBe(output);
  });
});
