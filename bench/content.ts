// Message bodies that look like real transactional email: a table layout with inline styles,
// a greeting, order lines, links and a footer, grown to a target size. Deterministic for a
// given seed, different between seeds, so batches are not one string repeated.

const names = ['Ana Díaz', 'Bruno Costa', 'Chloé Martin', 'Dmitri Ivanov', 'Emma Schmidt', 'Farah Khan'];
const products = [
  'Merino wool sweater',
  'Stainless steel bottle, 750 ml',
  'Noise-cancelling headphones',
  'Organic cotton T-shirt (pack of 3)',
  'Ceramic pour-over coffee set',
  'Trail running shoes',
  'Leather card holder',
  'LED desk lamp with USB-C',
];

const cell = 'padding:8px 12px;border-bottom:1px solid #e5e7eb;font-family:Helvetica,Arial,sans-serif';

/** An HTML email of about `bytes` bytes (UTF-8). */
export function emailHtml(bytes: number, seed: number): string {
  const name = names[seed % names.length] as string;
  const order = 100_000 + ((seed * 7919) % 900_000);
  const head =
    '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
    `<title>Your order #${order}</title></head>` +
    '<body style="margin:0;padding:0;background:#f3f4f6">' +
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6">' +
    '<tr><td align="center" style="padding:24px">' +
    '<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:8px">' +
    `<tr><td style="padding:24px;font-family:Helvetica,Arial,sans-serif;font-size:16px;color:#111827">` +
    `<h1 style="font-size:22px;margin:0 0 12px">Thanks for your order, ${name}!</h1>` +
    `<p style="margin:0 0 16px;line-height:1.5">We received order <strong>#${order}</strong> and will let you know as soon as it ships. ` +
    'You can follow it at any time from your account.</p></td></tr>' +
    '<tr><td><table role="presentation" width="100%" cellpadding="0" cellspacing="0">';
  const tail =
    '</table></td></tr>' +
    `<tr><td style="padding:24px;font-family:Helvetica,Arial,sans-serif;font-size:14px;color:#374151">` +
    `<a href="https://shop.example/orders/${order}?utm_source=email&amp;utm_medium=transactional" ` +
    'style="display:inline-block;background:#2563eb;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none">View your order</a>' +
    '<p style="margin:24px 0 0;font-size:12px;color:#6b7280;line-height:1.5">You receive this email because you placed an order at Example Shop, ' +
    '1 Market Street, Springfield. Questions? Reply to this email or visit <a href="https://shop.example/help">our help centre</a>.</p>' +
    '</td></tr></table></td></tr></table></body></html>';
  let rows = '';
  for (let i = 0; ; i++) {
    const product = products[(seed + i) % products.length] as string;
    const quantity = 1 + ((seed + i) % 3);
    const price = (((seed * 31 + i * 17) % 20_000) / 100 + 5).toFixed(2);
    const row =
      `<tr><td style="${cell}">${product}<br><span style="color:#6b7280;font-size:12px">SKU ${order}-${i}</span></td>` +
      `<td style="${cell};text-align:center">${quantity}</td><td style="${cell};text-align:right">&euro;${price}</td></tr>`;
    if (i > 0 && Buffer.byteLength(head + rows + row + tail) > bytes) break;
    rows += row;
  }
  // Fill the rest with fine print, so every body has the requested size.
  const room = bytes - Buffer.byteLength(head + rows + tail) - finePrintOpen.length - finePrintClose.length;
  const finePrint =
    room > 0
      ? finePrintOpen + legalese.repeat(Math.ceil(room / legalese.length)).slice(0, room) + finePrintClose
      : '';
  return head + rows + finePrint + tail;
}

const legalese =
  'Prices include VAT where applicable. Returns are accepted within 30 days of delivery in original condition. ';
const finePrintOpen = '<tr><td colspan="3" style="padding:8px 12px;font-size:11px;color:#9ca3af">';
const finePrintClose = '</td></tr>';

/** A recipient address that identifies message `i` of a run. */
export function recipient(prefix: string, i: number): string {
  return `${prefix}-${i}@recipients.bench.test`;
}

export const benchSender = 'Example Shop <orders@shop.bench.test>';
