// The screenshot helper renders a responsive, table-based email at phone and desktop widths: the
// PNGs are written, the phone rendering does not overflow sideways, and the @media rule applies.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { closeBrowser, screenshotHtml, sharedBrowser, skipWithoutChromium } from './helpers/screenshot.ts';

const outDir = 'test-output/screenshots';
const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// The logo URL is external on purpose: the helper must block it, and the page must still load.
// `max-width` does not shrink a table, so the phone rule sets the container's width itself.
const emailWith = (phoneContainerRule: string) => `<!doctype html>
<html>
<head>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { margin: 0; background: #eef1f5; font-family: Arial, sans-serif; }
  .container { width: 600px; max-width: 100%; background: #ffffff; }
  .column { width: 300px; vertical-align: top; padding: 16px; box-sizing: border-box; }
  .left { background: #dbeafe; }
  .right { background: #fef3c7; }
  @media (max-width: 480px) {
    ${phoneContainerRule}
    .column { display: block; width: 100% !important; }
  }
</style>
</head>
<body>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
  <table role="presentation" class="container" cellpadding="0" cellspacing="0">
    <tr><td colspan="2" style="padding:16px"><img src="https://example.com/logo.png" width="120" height="40" alt="Aviso"></td></tr>
    <tr>
      <td class="column left" id="left"><h1>Your order has shipped</h1><p>Order #1042 left our warehouse today.</p></td>
      <td class="column right"><p>Track it any time from your account page.</p></td>
    </tr>
  </table>
</td></tr></table>
</body>
</html>`;
const email = emailWith('.container { width: 100% !important; }');

async function columnWidthAt(width: number): Promise<number> {
  const page = await (await sharedBrowser()).newPage({ viewport: { width, height: 900 } });
  try {
    await page.setContent(email, { waitUntil: 'domcontentloaded' });
    return await page.evaluate<number>("document.getElementById('left').offsetWidth");
  } finally {
    await page.close();
  }
}

describe('screenshotHtml', () => {
  beforeEach(skipWithoutChromium);
  afterAll(closeBrowser);

  it('writes one PNG per width and the phone rendering does not overflow', async () => {
    const shots = await screenshotHtml(email, { widths: [375, 1200], outDir, name: 'responsive-email' });

    expect(shots.map((s) => [s.width, s.path])).toEqual([
      [375, `${outDir}/responsive-email-375.png`],
      [1200, `${outDir}/responsive-email-1200.png`],
    ]);
    for (const shot of shots) {
      const png = await readFile(shot.path);
      expect(png.subarray(0, 8)).toEqual(pngSignature);
      expect(shot.height).toBeGreaterThan(0);
    }
    expect(shots[0]?.scrollWidth).toBeLessThanOrEqual(375);
  });

  it('applies the @media rule at phone width only', async () => {
    const phone = await columnWidthAt(375);
    const desktop = await columnWidthAt(1200);
    expect(desktop).toBe(300);
    expect(phone).toBeGreaterThan(desktop);
    expect(phone).toBeLessThanOrEqual(375);
  });

  it('reports the overflow of a 600 px table left at its desktop width', async () => {
    const [phone] = await screenshotHtml(emailWith(''), {
      widths: [375],
      outDir,
      name: 'fixed-width-email',
    });
    expect(phone?.scrollWidth).toBe(600);
  });
});
