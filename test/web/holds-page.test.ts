// The "Legal holds" page and the call detail's "Hold this call" in headless Chromium, by keyboard: an admin adds and removes holds; a supervisor sees neither.

import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { listHolds } from '../../src/lifecycle/legal-holds';
import { PASSWORD, startWebFixture, type WebFixture } from './web-fixture';

/** CI sets CALLWARDEN_TEST_CHROMIUM: then a missing browser is a failure, never a skip. */
const REQUIRED = process.env.CALLWARDEN_TEST_CHROMIUM;
const CHROMIUM = REQUIRED || '/usr/bin/chromium';

describe('legal holds page in headless Chromium', function () {
  this.timeout(120_000);
  if (!REQUIRED && !existsSync(CHROMIUM)) {
    console.log(`Legal holds browser test not run: no Chromium at ${CHROMIUM} and CALLWARDEN_TEST_CHROMIUM is not set.`);
    return;
  }
  let f: WebFixture | undefined;
  let browser: import('playwright-core').Browser | undefined;
  afterEach(async () => {
    await browser?.close();
    await f?.close();
  });

  it('an admin holds a number and a call by keyboard (German texts), lifts one; a supervisor has no such controls', async () => {
    f = await startWebFixture('sqlite');
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());

    await page.goto(f.base);
    await page.getByLabel('Benutzer').fill('admin');
    await page.getByLabel('Passwort').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByText('admin (admin)').waitFor();

    await page.getByRole('button', { name: 'Aufbewahrungssperren' }).click();
    const holds = page.locator('#holds');
    await holds.getByLabel('Sperre auf').selectOption('number');
    await holds.getByLabel('Rufnummer oder Anruf-ID').fill('0049 30 111222');
    await holds.getByLabel('Grund (Verfahren, Anordnung)').fill('Beschluss 12 O 34/26');
    await page.keyboard.press('Enter');
    const row = page.locator('#holds-table tbody tr', { hasText: '+4930111222' });
    await row.waitFor();
    expect(await row.textContent()).to.include('Beschluss 12 O 34/26');

    // The call detail: "Diesen Anruf sperren" holds exactly the open call.
    await page.getByRole('button', { name: 'Anrufe' }).click();
    await page.locator('#calls-table a').first().waitFor();
    await page.locator('#calls-table a').nth(1).click(); // newest first: the sales call is second
    await page.locator('#hold-call-form').waitFor();
    await page.locator('#detail').getByLabel('Grund (Verfahren, Anordnung)').fill('Beschwerde 7');
    await page.getByRole('button', { name: 'Diesen Anruf sperren' }).press('Enter');
    await page.getByText('Aufbewahrungssperre angelegt').waitFor();
    expect((await listHolds(f.repository)).map((h) => [h.kind, h.value, h.createdBy])).to.deep.equal([
      ['number', '+4930111222', 'admin'],
      ['call', f.sales.callId, 'admin'],
    ]);

    // Lift the number hold (confirmed) from the list.
    await page.getByRole('button', { name: 'Aufbewahrungssperren' }).click();
    await row.getByRole('button', { name: 'Sperre aufheben' }).click();
    await page.getByText('Aufbewahrungssperre aufgehoben').waitFor();
    expect((await listHolds(f.repository)).map((h) => h.kind)).to.deep.equal(['call']);

    // A supervisor sees no holds button and no hold form on a call.
    const other = await (await browser.newContext({ locale: 'en-GB' })).newPage();
    await other.goto(f.base);
    await other.getByLabel('User').fill('anna');
    await other.getByLabel('Password').fill(PASSWORD);
    await other.keyboard.press('Enter');
    await other.getByText('anna (supervisor)').waitFor();
    expect(await other.getByRole('button', { name: 'Legal holds' }).isVisible()).to.equal(false);
    await other.locator('#calls-table a').first().click();
    await other.locator('#detail-facts dt').first().waitFor();
    expect(await other.locator('#hold-call-form').isVisible()).to.equal(false);
  });
});
