// End to end in a real headless Chromium: log in, watch a simulated call go live and end, find it, play it (206), download it, see its evidence; another group's supervisor finds nothing.

import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { consentedAndRecording, hotline, startHarness, talkAndHangUp, type Harness } from '../calls/call-harness';
import { addUsers, COACHING, LIVE_OPS, OPS_PASSWORD } from '../calls/live-ops-client';

/** CI sets CALLWARDEN_TEST_CHROMIUM: then a missing browser is a failure, never a skip. */
const REQUIRED = process.env.CALLWARDEN_TEST_CHROMIUM;
const CHROMIUM = REQUIRED || '/usr/bin/chromium';
const CALLER = '+4930555123';

describe('back office in headless Chromium', function () {
  this.timeout(120_000);
  if (!REQUIRED && !existsSync(CHROMIUM)) {
    console.log(`Browser test not run: no Chromium at ${CHROMIUM} and CALLWARDEN_TEST_CHROMIUM is not set.`);
    return;
  }
  let h: Harness | undefined;
  let browser: import('playwright-core').Browser | undefined;
  afterEach(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('log in, live call appears and disappears, search, play with Range, download, evidence; another group sees nothing', async () => {
    expect(existsSync(CHROMIUM), `CALLWARDEN_TEST_CHROMIUM=${CHROMIUM}: no such file`).to.equal(true);
    const { chromium } = await import('playwright-core');
    h = await startHarness({
      recording: { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } },
      coaching: COACHING,
      liveOps: LIVE_OPS,
    });
    await addUsers(h.daemon, [{ name: 'otto', role: 'supervisor', extension: null, groups: ['other'] }]);
    const base = `http://127.0.0.1:${h.web!.port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const audioStatuses: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/audio')) audioStatuses.push(r.status());
    });

    await page.goto(base);
    await page.getByLabel('User').fill('ops1');
    await page.getByLabel('Password').fill(OPS_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('ops1 (supervisor)').waitFor();

    // Live: the call appears while the simulator runs it, and goes when it ends.
    await page.getByRole('button', { name: 'Live', exact: true }).click();
    const call = await consentedAndRecording(h, '1', CALLER);
    const row = page.locator(`tr[data-call="${call.uuid}"]`);
    await row.waitFor();
    expect(await row.textContent()).to.include(CALLER);
    expect(await row.getByRole('button', { name: 'Stop recording' }).count()).to.equal(1);
    await talkAndHangUp(h, call, 5000);
    await row.waitFor({ state: 'detached' });

    // The finished call: search by number, open, play, download, evidence.
    await page.getByRole('button', { name: 'Calls', exact: true }).click();
    await page.getByLabel('Caller').fill('555123');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#calls-table tbody tr', { hasText: CALLER }).locator('a').click();
    await page.locator('#chain.ok').waitFor();
    expect(await page.locator('#chain').textContent()).to.include('✓');
    expect(await page.locator('#timeline li').count()).to.be.above(3);
    // The player fetches with Range (Chromium asks for bytes=0-): a 206 was served.
    const outcome = await page.locator('audio').first().evaluate(
      (a: { load(): void; error: { code: number } | null; addEventListener(e: string, f: () => void, o: unknown): void }) =>
        new Promise<string>((resolve) => {
          a.addEventListener('loadedmetadata', () => resolve('loaded'), { once: true });
          a.addEventListener('error', () => resolve(`error ${a.error?.code}`), { once: true });
          a.load();
        }),
    );
    expect(outcome, `audio statuses ${audioStatuses.join(',')}`).to.equal('loaded');
    expect(audioStatuses).to.include(206);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download' }).first().click()]);
    expect(download.suggestedFilename()).to.match(new RegExp(`^callwarden-.*-\\+4930555123-${call.uuid.slice(0, 8)}-01\\.wav$`));

    // The README's screenshot is refreshed only on request, so a test run leaves the tree clean.
    const shots = process.env.CALLWARDEN_SCREENSHOT ? join(__dirname, '..', '..', '..', 'docs') : mkdtempSync(join(tmpdir(), 'cw-shot-'));
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'back-office.png'), fullPage: true });

    // The sealed access log has the view, the listen and the download, from the page, and verifies.
    const rows = await h.daemon.store.repository.accessLog.list({ since: new Date(0), callId: call.uuid });
    expect(rows.map((r) => r.action)).to.include.members(['view', 'listen', 'download']);
    expect((await h.daemon.store.repository.accessLog.verify()).ok).to.equal(true);

    // A supervisor of another group does not find it.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('User').fill('otto');
    await page.getByLabel('Password').fill(OPS_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('otto (supervisor)').waitFor();
    await page.getByLabel('Caller').fill('555123');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No calls found').waitFor();
  });
});
