import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { testRedisUrl } from '../support/redis.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CHROMIUM = '/usr/bin/chromium'
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.join(ROOT, 'docs/screenshots')
    : mkdtempSync(path.join(os.tmpdir(), 'rollmaint-shots-'))

let demo: ChildProcess | undefined

afterAll(async () => {
  if (demo && demo.exitCode === null) {
    const exited = new Promise((r) => demo!.once('close', r))
    demo.kill('SIGINT') // the demo's own Ctrl-C path: it stops its hosts, API and worker and cleans up
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))])
    if (demo.exitCode === null) demo.kill('SIGKILL')
  }
  if (process.env.UPDATE_SCREENSHOTS !== '1') rmSync(SHOTS, { recursive: true, force: true })
})

/** Starts `npm run demo -- --keep` (its script's command) and resolves with its output once it says it keeps running. */
function startKeptDemo(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'demo/run-demo.ts', '--keep'], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: testRedisUrl() }
    })
    demo = child
    let out = ''
    const timer = setTimeout(() => reject(new Error(`the demo did not get to --keep within 90 s:\n${out}`)), 90_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (/ logs +\S+/.test(out.slice(out.indexOf('Everything is still running')))) {
        clearTimeout(timer)
        resolve(out)
      }
    })
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    child.on('close', (code) => {
      clearTimeout(timer)
      reject(new Error(`the demo exited (${code}) before --keep:\n${out}`))
    })
  })
}

describe('npm run demo -- --keep', () => {
  it("prints the console's URL, and the console shows the demo's run after sign-in with the printed key pair", async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`the console tests need Debian's chromium at ${CHROMIUM}: apt-get install -y chromium`)
    const out = await startKeptDemo()
    const consoleUrl = /Console +(http:\/\/\S+\/ui\/runs\/(\S+))/.exec(out)
    const apiKey = /^ +apiKey +(\S+)$/m.exec(out)?.[1]
    const secretKey = /^ +secretKey +(\S+)$/m.exec(out)?.[1]
    expect(consoleUrl, out).not.toBeNull()
    expect(apiKey && secretKey, out).toBeTruthy()
    const runId = consoleUrl![2]!
    expect(out).toContain(`run ${runId}`)

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic'
      ]
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
      // The printed link leads to the sign-in form first, then to that very run.
      await page.goto(consoleUrl![1]!)
      await page.getByLabel('API key').fill(apiKey!)
      await page.getByLabel('Secret key').fill(secretKey!)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page
        .getByText('success: true')
        .waitFor({ timeout: 20_000 })
        .catch(async (err: unknown) => {
          throw new Error(`${String(err)}\n--- page ---\n${await page.locator('body').innerText()}`)
        })
      expect(page.url()).toBe(consoleUrl![1])
      await expect(page.locator('.result').textContent()).resolves.toMatch(/hostsupdated \(9\)/)
      expect(await page.locator('.lane').count()).toBe(3)
      expect(await page.locator('.lane-host[data-status="updated"]').count()).toBe(9)
      for (const [width, height, tag] of [
        [1280, 800, 'desktop'],
        [390, 844, 'phone']
      ] as const) {
        await page.setViewportSize({ width, height })
        await page.waitForTimeout(150)
        await page.screenshot({ path: path.join(SHOTS, `demo-run-${tag}.png`) })
      }
    } finally {
      await browser.close()
    }
  }, 150_000)
})
