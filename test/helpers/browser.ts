// A real browser for the dashboard tests: Debian's chromium driven by playwright-core, headless,
// with no network of its own (no background fetches, no updates) and a fresh profile per launch.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * Where screenshots go: test-results/ui by default; scripts/ui-screenshots.sh points this at
 * docs/images so the README's pictures come from the same tests.
 */
export const SCREENSHOT_DIR = process.env.RECFLOW_UI_SCREENSHOT_DIR ?? join("test-results", "ui");

export interface TestBrowser extends AsyncDisposable {
  browser: Browser;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it with \`bash scripts/apt-install.sh chromium\` (scripts/setup.sh does)`);
  // No --user-data-dir: playwright refuses it in launch() and gives every launch a fresh temp profile.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    browser,
    async [Symbol.asyncDispose]() {
      await browser.close();
    },
  };
}

/** Console errors and uncaught page errors, collected for an assertion at the end. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

/** Where a failed test's page goes: never docs/images, whatever RECFLOW_UI_SCREENSHOT_DIR says. */
export const FAILURE_DIR = join("test-results", "ui");

export async function screenshot(page: Page, name: string, dir = SCREENSHOT_DIR): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** Logs in through the form, as a person would. */
export async function logIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(baseUrl);
  await page.fill("#token", token);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#tasks-table");
}
