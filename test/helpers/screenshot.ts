// Renders an HTML document (a template's email body) in headless Chromium at several widths, saving
// a full-page PNG per width and the page's scroll width, so tests can see overflow on phones.
// Debian's Chromium is used (`apt-get install chromium`); nothing outside data: URLs is ever fetched.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import type { TestContext } from 'vitest';

const debianChromium = '/usr/bin/chromium';

// No background traffic from the browser itself: a test run must not reach the network.
const launchArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

const viewportHeight = 900;

export interface Screenshot {
  width: number;
  path: string;
  /** `document.documentElement.scrollWidth`: above `width` means the page overflows sideways. */
  scrollWidth: number;
  /** `document.documentElement.scrollHeight`, the full page height in CSS pixels. */
  height: number;
}

/** Debian's Chromium when installed. */
function chromiumPath(): string | undefined {
  return existsSync(debianChromium) ? debianChromium : undefined;
}

/** Skips the calling test when Chromium is missing, with a note the run's summary prints. */
export function skipWithoutChromium(context: TestContext): void {
  context.skip(!chromiumPath(), `no Chromium at ${debianChromium}: apt-get install chromium (.ci/run does)`);
}

let browser: Promise<Browser> | undefined;

/** One browser per test file, started on first use; call `closeBrowser()` in `afterAll`. */
export function sharedBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(`Chromium not found at ${debianChromium}: apt-get install chromium`);
  browser ??= chromium.launch({ executablePath, args: launchArgs });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  const launched = browser;
  browser = undefined;
  await (await launched)?.close();
}

export async function screenshotHtml(
  html: string,
  options: { widths: number[]; outDir: string; name: string },
): Promise<Screenshot[]> {
  await mkdir(options.outDir, { recursive: true });
  const context = await (await sharedBrowser()).newContext();
  try {
    await context.route('**/*', (route) =>
      route.request().url().startsWith('data:') ? route.continue() : route.abort(),
    );
    const page = await context.newPage();
    const shots: Screenshot[] = [];
    for (const width of options.widths) {
      await page.setViewportSize({ width, height: viewportHeight });
      await page.setContent(html, { waitUntil: 'load' });
      const path = join(options.outDir, `${options.name}-${width}.png`);
      await page.screenshot({ path, fullPage: true });
      // Expressions as strings: the project's tsconfig has no DOM types.
      const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
      const height = await page.evaluate<number>('document.documentElement.scrollHeight');
      shots.push({ width, path, scrollWidth, height });
    }
    return shots;
  } finally {
    await context.close();
  }
}
