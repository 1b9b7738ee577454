/**
 * One headless Chromium for the console's browser tests: Debian's `chromium` (no browser download),
 * driven by playwright-core. Under CI=true a missing or broken Chromium fails the suite; elsewhere the
 * suite is skipped with the reason printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.ROLECALL_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots land here (gitignored). */
export const SCREENSHOTS = path.resolve('test-results', 'console');

// Chromium's own network traffic is refused on a closed network: turn it off.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** The browser, or the reason it cannot run (only outside CI). */
export async function launchBrowser(): Promise<Browser | string> {
  const fail = (reason: string): string => {
    if (process.env.CI === 'true') throw new Error(`browser tests must run in CI: ${reason}`);
    console.log(`# skipped: ${reason}`);
    return reason;
  };
  if (!fs.existsSync(CHROMIUM)) return fail(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  } catch (e) {
    return fail(`chromium at ${CHROMIUM} did not start: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Form controls of the page whose accessible name (as the browser computes it, from the accessibility
 * tree) is empty: every textbox, combobox, checkbox and button must have one.
 */
export async function unnamedControls(page: Page): Promise<string[]> {
  const tree = await page.locator('body').ariaSnapshot();
  return tree
    .split('\n')
    .filter((line) =>
      /^\s*- (textbox|combobox|listbox|searchbox|spinbutton|checkbox|radio|button)\b(?!\s+")/.test(line),
    );
}
