// Headless Chromium (playwright-core over /usr/bin/chromium) for the logins a person finishes in a real browser.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AMPLIFY_BIN, type RunResult, type Sandbox } from './cli.js';
import { missingTool } from './tools.js';

export const CHROMIUM = process.env.AMPLIFY_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export const chromiumMissing = (): string | undefined => (existsSync(CHROMIUM) ? undefined : missingTool(`chromium not installed: ${CHROMIUM} is missing (apt-get install -y chromium)`));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A fresh profile (no cookies) for each sign-in. */
export async function withPage<T>(browser: Browser, fn: (page: Page) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return await fn(page);
  } finally {
    await context.close();
  }
}

/**
 * Opens an authorization URL, signs in through the platform's form as a person would, and returns the text of the
 * page the browser lands on (the CLI's loopback callback page).
 */
export async function signInWithBrowser(browser: Browser, url: string, username: string, password: string): Promise<{ url: string; text: string }> {
  return withPage(browser, async (page) => {
    await page.goto(url);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/callback')), page.click('button[type=submit]')]);
    return { url: page.url(), text: await page.innerText('body') };
  });
}

/** Opens a device verification link that carries the code, confirms it, and signs in. Returns the final page's text. */
export async function approveDeviceWithBrowser(browser: Browser, url: string, username: string, password: string): Promise<string> {
  return withPage(browser, async (page) => {
    await page.goto(url);
    // The code entry page (code already filled in from the link), then the confirmation page.
    for (let step = 0; step < 4 && !(await page.locator('#username').count()); step += 1) {
      await Promise.all([page.waitForLoadState('load'), page.locator('button[type=submit]:not([name=abort])').first().click()]);
      await page.waitForLoadState('load');
    }
    await page.fill('#username', username);
    await page.fill('#password', password);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    await page.getByText(/signed in/i).first().waitFor();
    return page.innerText('body');
  });
}

export interface WaitingCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stderr (what the CLI tells the person). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** The finished run. */
  done: Promise<RunResult>;
}

/** Starts `amplify <args>` without waiting for it: the test plays the person in the browser meanwhile. */
export function startCli(box: Sandbox, args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 45_000): WaitingCli {
  const merged = Object.fromEntries(Object.entries({ ...box.env, ...env }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const child = spawn(process.execPath, [AMPLIFY_BIN, ...args], { env: merged, cwd: box.home, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<RunResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    async waitForStderr(pattern, wait = 15_000) {
      const deadline = Date.now() + wait;
      for (;;) {
        const match = pattern.exec(err);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          throw new Error(`amplify never printed ${pattern} (exit ${child.exitCode ?? child.signalCode}); stderr:\n${err}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
