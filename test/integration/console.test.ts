import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiUser } from '../../api/auth/api-key-store.js'
import { capabilitiesFromOpenApi, type Capabilities } from '../../ui/src/lib/capabilities.js'
import { saveCapacitySnapshot } from '../../store/cluster/capacity-snapshot.js'
import { startE2E, type E2E } from '../support/e2e-env.js'
import { setHooks } from '../support/hooks.js'
import { listenE2EApi } from '../support/e2e-api.js'

const CHROMIUM = '/usr/bin/chromium'
/**
 * Screenshots are taken on every run (both sizes render without error); they replace the committed
 * ones in docs/screenshots/ only with UPDATE_SCREENSHOTS=1, so a test run leaves no worktree dirty.
 */
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
    : mkdtempSync(path.join(os.tmpdir(), 'rollmaint-shots-'))
const ADMIN: ApiUser = {
  name: 'ops',
  apiKey: 'console-admin-0123456789',
  secretKey: 'console-admin-secret-0123456789',
  role: 'admin'
}
const READER: ApiUser = {
  name: 'dashboard',
  apiKey: 'console-reader-0123456789',
  secretKey: 'console-reader-secret-0123456789',
  role: 'readonly'
}
const HOSTS = ['kvm-a1', 'kvm-a2', 'kvm-b1', 'kvm-b2']

let e2e: E2E
let fastify: FastifyInstance
let browser: Browser
let base: string
let caps: Capabilities
let runId = ''
/** Every URL the pages asked for: the console must load nothing from outside the process. */
const requested: string[] = []
const pageErrors: string[] = []

/** The same page at the two sizes docs/console.md names, saved for the README. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const [width, height, tag] of [
    [1280, 800, 'desktop'],
    [390, 844, 'phone']
  ] as const) {
    await page.setViewportSize({ width, height })
    await page.waitForTimeout(150) // let the layout settle after the resize
    await page.screenshot({ path: path.join(SHOTS, `${name}-${tag}.png`) })
  }
  await page.setViewportSize({ width: 1280, height: 800 })
}

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  page.on('request', (r) => requested.push(r.url()))
  page.on('pageerror', (err) => pageErrors.push(err.message))
  page.on('console', (m) => {
    // The wrong-key attempt makes Chromium log the 401 of that fetch; anything else is a fault.
    if (m.type() === 'error' && !/status of 401/.test(m.text())) pageErrors.push(m.text())
  })
  return page
}

async function signIn(page: Page, user: Pick<ApiUser, 'apiKey' | 'secretKey'>): Promise<void> {
  await page.goto(`${base}/`)
  await page.getByLabel('API key').fill(user.apiKey)
  await page.getByLabel('Secret key').fill(user.secretKey)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`the console tests need Debian's chromium at ${CHROMIUM}: apt-get install -y chromium`)
  mkdirSync(SHOTS, { recursive: true })
  e2e = await startE2E({
    label: 'console',
    clusters: [
      // The fleet names a host's driver; once workers use it, its 1 s enter and 0.7 s exit show on the time line.
      {
        name: 'c-a',
        hosts: ['kvm-a1', 'kvm-a2'],
        zone: 'zone1',
        pod: 'pod1',
        maintenance: { driver: 'command', enter: ['sleep', '1'], exit: ['sleep', '0.7'] }
      },
      { name: 'c-b', hosts: ['kvm-b1', 'kvm-b2'], zone: 'zone2', pod: 'pod2' }
    ]
  })
  setHooks(e2e.fleet, HOSTS, {
    PreFlight: { stdout: 'preflight: disks ok, 2 updates pending' },
    PreMaintenance: { stdout: 'pre: services drained' },
    Maintenance: { sleepSec: 3, stdout: 'maintenance: installed kernel 6.1.0-28, rebooting not needed' },
    PostMaintenance: { stdout: 'post: libvirtd active, host healthy' }
  })
  // What the libvirt driver keeps of a cluster's last reading: the fleet shows VM counts from it.
  await saveCapacitySnapshot(e2e.redis, e2e.keys, {
    clusterId: 'cluster-c-b',
    readAt: new Date().toISOString(),
    hosts: [
      {
        hostId: 'host-kvm-b1',
        hostName: 'kvm-b1',
        totalMiB: 65536,
        freeMiB: 40000,
        reserveMemoryPercent: 10,
        eligible: true,
        vms: [
          { name: 'web-1', memoryMiB: 4096 },
          { name: 'db-1', memoryMiB: 8192 },
          { name: 'ci-7', memoryMiB: 2048 }
        ]
      },
      {
        hostId: 'host-kvm-b2',
        hostName: 'kvm-b2',
        totalMiB: 65536,
        freeMiB: 52000,
        reserveMemoryPercent: 10,
        eligible: true,
        vms: [{ name: 'web-2', memoryMiB: 4096 }]
      }
    ]
  })
  ;({ fastify, url: base } = await listenE2EApi(e2e, [ADMIN, READER]))
  caps = capabilitiesFromOpenApi(
    (
      await fastify.inject({
        url: '/docs/json',
        headers: { authorization: `Basic ${Buffer.from(`${ADMIN.apiKey}:${ADMIN.secretKey}`).toString('base64')}` }
      })
    ).json()
  )
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // launch() gives every run a fresh temporary profile (user data dir) of its own.
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
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await fastify?.close()
  await e2e?.close()
  if (process.env.UPDATE_SCREENSHOTS !== '1') rmSync(SHOTS, { recursive: true, force: true })
})

describe('web console in headless Chromium', () => {
  it('serves the console at / and /ui/... without auth, with a same-origin-only CSP; assets are files, pages are index.html', async () => {
    const root = await fastify.inject({ url: '/' })
    expect(root.statusCode).toBe(200)
    expect(root.headers['content-type']).toMatch(/text\/html/)
    expect(root.headers['content-security-policy']).toMatch(/default-src 'self'/)
    const deep = await fastify.inject({ url: '/ui/runs/some-run' })
    expect(deep.statusCode).toBe(200)
    expect(deep.body).toBe(root.body)
    const asset = /\/ui\/assets\/[^"]+\.js/.exec(root.body)?.[0]
    expect(asset).toBeDefined()
    const js = await fastify.inject({ url: asset! })
    expect(js.statusCode).toBe(200)
    expect(js.headers['content-type']).toMatch(/javascript/)
    expect(js.headers['cache-control']).toMatch(/immutable/)
    expect((await fastify.inject({ url: '/ui/assets/missing.js' })).statusCode).toBe(404)
    expect((await fastify.inject({ url: '/ui/../package.json' })).statusCode).not.toBe(200)
    // The API itself still wants a key.
    expect((await fastify.inject({ url: '/api/v1/fleet' })).statusCode).toBe(401)
    // …and, without the console's header, challenges a browser for Basic credentials; with it, it does not.
    expect((await fastify.inject({ url: '/api/v1/whoami' })).headers['www-authenticate']).toMatch(/^Basic/)
    expect(
      (await fastify.inject({ url: '/api/v1/whoami', headers: { 'x-rollmaint-client': 'console' } })).headers[
        'www-authenticate'
      ]
    ).toBeUndefined()
    const auth = { authorization: `Basic ${Buffer.from(`${READER.apiKey}:${READER.secretKey}`).toString('base64')}` }
    expect((await fastify.inject({ url: '/api/v1/whoami', headers: auth })).json()).toEqual({
      name: 'dashboard',
      role: 'readonly'
    })
    // A malformed run id reaches no Redis key: 404, as for an unknown run.
    for (const id of [
      'not-a-run',
      '00000000-0000-4000-8000-000000000000:events',
      '00000000-0000-4000-8000-000000000000'
    ]) {
      const res = await fastify.inject({
        url: `/api/v1/rolling-maintenance/${encodeURIComponent(id)}/timeline`,
        headers: auth
      })
      expect(res.statusCode).toBe(404)
      expect(res.json()).toMatchObject({ error: 'RUN_NOT_FOUND' })
    }
  })

  it('a wrong key gets a clear message and stays on the sign-in form', async () => {
    const page = await newPage()
    await signIn(page, { apiKey: ADMIN.apiKey, secretKey: 'not-the-secret' })
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/do not match any API user/)
    expect(await page.evaluate('sessionStorage.length')).toBe(0)
    await shoot(page, 'sign-in')
    await page.context().close()
  })

  it('admin: signs in, sees the fleet, previews the plan and starts a run from the dialog', async () => {
    const page = await newPage()
    await signIn(page, ADMIN)
    await page.getByRole('heading', { name: 'Fleet' }).waitFor()
    await page.getByRole('heading', { name: 'Zone zone1' }).waitFor()
    for (const h of HOSTS) await expect(page.locator(`tr[data-host="${h}"]`).textContent()).resolves.toMatch(/Enabled/)
    await expect(page.locator('tr[data-host="kvm-a1"]').textContent()).resolves.toMatch(/command/)
    await expect(page.locator('tr[data-host="kvm-b1"] td[data-label="VMs"]').textContent()).resolves.toBe('3')
    await expect(page.locator('tr[data-host="kvm-b2"] td[data-label="VMs"]').textContent()).resolves.toBe('1')
    // The key pair is kept for this browser session only.
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual(['rollmaint.session'])
    expect(await page.evaluate('localStorage.length')).toBe(0)

    // Filter by state: nothing is in maintenance yet.
    await page.getByLabel('Filter by state').selectOption('Maintenance')
    await page.getByText('No host matches this filter.').waitFor()
    await page.getByLabel('Filter by state').selectOption('')

    // Scope picked from the fleet by keyboard: Tab to the checkboxes and press Space.
    await page.getByLabel('Include zone zone1 in the run').focus()
    await page.keyboard.press('Space')
    await page.getByLabel('Include cluster c-b in the run').check()
    await page.getByText('4 hosts picked').waitFor()
    await shoot(page, 'fleet')

    await page.getByRole('button', { name: 'Start rolling maintenance…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Start rolling maintenance' })
    await dialog.waitFor()
    await dialog.getByLabel('Stage timeout (seconds)').fill('600')
    await dialog.getByLabel('Payload (passed to every stage script as $1)').fill('kernel=6.1')
    if (caps.maxFailures) await dialog.getByLabel('Max failures before stopping').fill('1')
    // No start button before a preview of exactly this form.
    expect(await dialog.getByRole('button', { name: 'Start maintenance' }).count()).toBe(0)
    await dialog.getByRole('button', { name: 'Preview plan' }).click()
    await dialog.getByRole('heading', { name: /^Plan/ }).waitFor()
    for (const h of HOSTS) await expect(dialog.locator('.plan').textContent()).resolves.toContain(h)
    await shoot(page, 'start-dialog')
    // Changing the form makes the preview stale: the start button goes until the next preview.
    await dialog.getByLabel('Forced: skip hosts that fail and go on').check()
    expect(await dialog.getByRole('button', { name: 'Start maintenance' }).count()).toBe(0)
    await dialog.getByRole('button', { name: 'Preview plan' }).click()
    await dialog.getByRole('button', { name: 'Start maintenance' }).click()

    await page.waitForURL(/\/ui\/runs\/[^/]+$/)
    runId = decodeURIComponent(page.url().split('/').at(-1)!)
    const run = await e2e.runService.getRun(runId)
    expect(run?.request).toMatchObject({
      zoneids: ['zone-zone1'],
      clusterids: ['cluster-c-b'],
      forced: true,
      payload: 'kernel=6.1',
      timeout: 600,
      ...(caps.maxFailures ? { maxFailures: 1 } : {})
    })

    // Live: hosts move through their stages as the SSE stream reports them (the lanes are fed by events only).
    await page.locator('[data-host="kvm-a1"] .current-stage[data-stage="Maintenance"]').waitFor({ timeout: 30_000 })
    await page
      .locator('[data-host="kvm-b1"] [data-stage="PreMaintenance"][data-outcome="ok"]')
      .waitFor({ timeout: 30_000 })
    await expect(page.getByRole('status').filter({ hasText: 'events:' }).textContent()).resolves.toMatch(/live/)
    await shoot(page, 'run-live')

    if (caps.pause && caps.resume) {
      await page.getByRole('button', { name: 'Pause' }).click()
      await page.locator('.page-head .badge', { hasText: 'paused' }).waitFor({ timeout: 15_000 })
      await shoot(page, 'run-paused')
      // Hosts in their cycle finish it; no new host starts while paused.
      await page.locator('[data-host="kvm-a1"][data-status="updated"]').waitFor({ timeout: 30_000 })
      await page.waitForTimeout(1500)
      expect(await page.locator('[data-host="kvm-a2"] [data-stage="PreMaintenance"]').count()).toBe(0)
      await page.getByRole('button', { name: 'Resume' }).click()
      await page.locator('.page-head .badge', { hasText: 'running' }).waitFor({ timeout: 15_000 })
    } else {
      // This server predates pause/resume (docs/api.md#pause-resume-retry): the console offers neither.
      expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0)
    }
    await page.locator('[data-host="kvm-a2"] .current-stage[data-stage="Maintenance"]').waitFor({ timeout: 30_000 })
    // Meanwhile on the fleet page: the host in maintenance, and the run holding its cluster.
    await page.getByRole('link', { name: 'Fleet' }).click()
    await page.locator('tr[data-host="kvm-a2"] .badge', { hasText: 'Maintenance' }).waitFor({ timeout: 10_000 })
    await expect(page.locator('tr[data-host="kvm-a2"]').textContent()).resolves.toContain(runId.slice(0, 8))
    await shoot(page, 'fleet-during-run')
    await page.goBack()

    // The final result, in CloudStack's shape.
    await page.locator('.page-head .badge', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 })
    await page.getByText('success: true').waitFor({ timeout: 10_000 })
    await expect(page.locator('.result').textContent()).resolves.toMatch(/hostsupdated \(4\)/)
    for (const h of HOSTS) await page.locator(`[data-host="${h}"][data-status="updated"]`).waitFor()
    // Each stage's output tail, one click (or Enter) away.
    const maintenance = page.locator('[data-host="kvm-b2"] button[data-stage="Maintenance"]')
    await maintenance.focus()
    await page.keyboard.press('Enter')
    await expect(page.locator('[data-host="kvm-b2"] .output').textContent()).resolves.toContain(
      'installed kernel 6.1.0-28'
    )
    await expect(page.locator('.events').textContent()).resolves.toMatch(/Run finished: succeeded/)
    await shoot(page, 'run-finished')

    await page.getByRole('link', { name: 'Runs' }).click()
    await page.locator(`tr[data-run="${runId}"]`).waitFor()
    await expect(page.locator(`tr[data-run="${runId}"]`).textContent()).resolves.toMatch(/succeeded/)
    await shoot(page, 'runs')
    await page.context().close()
  }, 150_000)

  it('readonly key: sees the fleet and the run, but no start button, no scope boxes and no run action', async () => {
    const page = await newPage()
    await signIn(page, READER)
    await page.getByRole('heading', { name: 'Zone zone2' }).waitFor()
    await expect(page.locator('.user').textContent()).resolves.toMatch(/dashboard \(readonly\)/)
    expect(await page.getByRole('button', { name: /Start rolling maintenance/ }).count()).toBe(0)
    expect(await page.getByRole('checkbox').count()).toBe(0)
    expect(await page.getByRole('link', { name: 'Bull Board' }).count()).toBe(0)
    await page.goto(`${base}/ui/runs/${encodeURIComponent(runId)}`)
    await page.getByText('success: true').waitFor()
    expect(await page.getByRole('group', { name: 'Run actions' }).count()).toBe(0)
    for (const name of ['Pause', 'Resume', /Cancel/, /Retry/])
      expect(await page.getByRole('button', { name }).count()).toBe(0)
    await shoot(page, 'run-readonly')
    await page.context().close()
  })

  it('loaded nothing from outside the process and hit no script error', () => {
    expect(requested.length).toBeGreaterThan(10)
    expect(requested.filter((u) => !u.startsWith(base))).toEqual([])
    expect(pageErrors).toEqual([])
  })
})
