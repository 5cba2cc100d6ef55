import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../shared/config.js'
import { ConfigError } from '../../shared/errors/config-error.js'

const CWD = '/srv/rollmaint'

/** Runs loadConfig and returns the ConfigError it must throw. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, CWD)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`)
}

describe('defaults with no variable set (docs/configuration.md#environment-variables)', () => {
  const config = loadConfig({}, CWD)

  it('listens on port 8080 (docs/api.md), on 127.0.0.1 only without TLS and HOST (issue 11 item 15)', () => {
    expect(config.port).toBe(8080)
    expect(config.host).toBe('127.0.0.1')
    expect(config.hostFrom).toBe('default (no TLS: loopback only)')
    expect(config.tls).toBeUndefined()
  })

  it('TLS_CERT + TLS_KEY serve HTTPS on every interface by default; HOST always wins; one without the other is refused', () => {
    const tls = loadConfig({ TLS_CERT: 'certs/api.crt', TLS_KEY: '/etc/k.pem' }, CWD)
    expect(tls.tls).toEqual({ certPath: path.resolve(CWD, 'certs/api.crt'), keyPath: '/etc/k.pem' })
    expect(tls.host).toBe('0.0.0.0')
    expect(tls.hostFrom).toBe('default (TLS)')
    expect(loadConfig({ HOST: '10.1.2.3' }, CWD)).toMatchObject({ host: '10.1.2.3', hostFrom: 'HOST', tls: undefined })
    expect(loadConfig({ HOST: '127.0.0.1', TLS_CERT: 'c', TLS_KEY: 'k' }, CWD)).toMatchObject({
      host: '127.0.0.1',
      hostFrom: 'HOST'
    })
    expect(() => loadConfig({ TLS_CERT: 'c' }, CWD)).toThrow(/TLS_KEY: TLS_CERT is set but TLS_KEY is not/)
    expect(() => loadConfig({ TLS_KEY: 'k' }, CWD)).toThrow(/TLS_CERT: TLS_KEY is set but TLS_CERT is not/)
  })

  it('uses redis://127.0.0.1:6379 (docs/configuration.md#environment-variables)', () => {
    expect(config.redis).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379' })
  })

  it('reads ./inventory.yaml resolved against cwd (docs/inventory.md)', () => {
    expect(config.inventoryPath).toBe(path.resolve(CWD, 'inventory.yaml'))
  })

  it('has a stage timeout of 1800 s (docs/stage-scripts.md)', () => {
    expect(config.stageTimeoutSec).toBe(1800)
  })

  it('runs at most 4 clusters in parallel (docs/user-guide.md#the-host-cycle)', () => {
    expect(config.maxParallelClusters).toBe(4)
  })

  it('has no API keys file, so one is generated under ./.rollmaint (docs/api.md#authentication)', () => {
    expect(config.apiKeysPath).toBeUndefined()
    expect(config.dataDir).toBe(path.resolve(CWD, '.rollmaint'))
  })

  it('logs at info and prefixes Redis keys with rollmaint', () => {
    expect(config.logLevel).toBe('info')
    expect(config.keyPrefix).toBe('rollmaint')
  })

  it('treats empty and blank variables as unset', () => {
    const blank = loadConfig(
      { PORT: '', REDIS_URL: '   ', ROLLMAINT_STAGE_TIMEOUT: ' ', ROLLMAINT_API_KEYS: '  ' },
      CWD
    )
    expect(blank.port).toBe(8080)
    expect(blank.redis).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379' })
    expect(blank.stageTimeoutSec).toBe(1800)
    expect(blank.apiKeysPath).toBeUndefined()
  })
})

describe('each environment variable is parsed (docs/configuration.md#environment-variables)', () => {
  it('REDIS_URL, redis:// and rediss://', () => {
    expect(loadConfig({ REDIS_URL: 'redis://redis:6380/2' }, CWD).redis).toEqual({
      mode: 'single',
      url: 'redis://redis:6380/2'
    })
    expect(loadConfig({ REDIS_URL: 'rediss://user:pw@cache.example:6379' }, CWD).redis).toEqual({
      mode: 'single',
      url: 'rediss://user:pw@cache.example:6379'
    })
  })

  it('PORT', () => {
    expect(loadConfig({ PORT: '9090' }, CWD).port).toBe(9090)
    expect(loadConfig({ PORT: ' 3000 ' }, CWD).port).toBe(3000)
    expect(loadConfig({ PORT: '0' }, CWD).port).toBe(0)
    expect(loadConfig({ PORT: '65535' }, CWD).port).toBe(65535)
  })

  it('HOST', () => {
    expect(loadConfig({ HOST: '127.0.0.1' }, CWD).host).toBe('127.0.0.1')
  })

  it('ROLLMAINT_INVENTORY, relative paths resolved against cwd, absolute kept', () => {
    expect(loadConfig({ ROLLMAINT_INVENTORY: 'conf/inv.yaml' }, CWD).inventoryPath).toBe('/srv/rollmaint/conf/inv.yaml')
    expect(loadConfig({ ROLLMAINT_INVENTORY: '../inv.yaml' }, CWD).inventoryPath).toBe('/srv/inv.yaml')
    expect(loadConfig({ ROLLMAINT_INVENTORY: '/etc/rollmaint/inventory.yaml' }, CWD).inventoryPath).toBe(
      '/etc/rollmaint/inventory.yaml'
    )
  })

  it('ROLLMAINT_API_KEYS, resolved against cwd', () => {
    expect(loadConfig({ ROLLMAINT_API_KEYS: 'keys.yaml' }, CWD).apiKeysPath).toBe('/srv/rollmaint/keys.yaml')
    expect(loadConfig({ ROLLMAINT_API_KEYS: '/etc/rollmaint/api-keys.yaml' }, CWD).apiKeysPath).toBe(
      '/etc/rollmaint/api-keys.yaml'
    )
  })

  it('ROLLMAINT_DATA_DIR', () => {
    expect(loadConfig({ ROLLMAINT_DATA_DIR: 'state' }, CWD).dataDir).toBe('/srv/rollmaint/state')
  })

  it('ROLLMAINT_STAGE_TIMEOUT', () => {
    expect(loadConfig({ ROLLMAINT_STAGE_TIMEOUT: '60' }, CWD).stageTimeoutSec).toBe(60)
    expect(loadConfig({ ROLLMAINT_STAGE_TIMEOUT: '1' }, CWD).stageTimeoutSec).toBe(1)
    expect(loadConfig({ ROLLMAINT_STAGE_TIMEOUT: String(7 * 24 * 3600) }, CWD).stageTimeoutSec).toBe(604800)
  })

  it('ROLLMAINT_MAX_PARALLEL_CLUSTERS', () => {
    expect(loadConfig({ ROLLMAINT_MAX_PARALLEL_CLUSTERS: '1' }, CWD).maxParallelClusters).toBe(1)
    expect(loadConfig({ ROLLMAINT_MAX_PARALLEL_CLUSTERS: '16' }, CWD).maxParallelClusters).toBe(16)
  })

  it('LOG_LEVEL, every pino level', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) {
      expect(loadConfig({ LOG_LEVEL: level }, CWD).logLevel).toBe(level)
    }
  })

  it('ROLLMAINT_KEY_PREFIX', () => {
    expect(loadConfig({ ROLLMAINT_KEY_PREFIX: 'rm-test_1.a:b' }, CWD).keyPrefix).toBe('rm-test_1.a:b')
  })

  it('worker and lease tuning variables', () => {
    const config = loadConfig(
      {
        ROLLMAINT_WORKER_CONCURRENCY: '4',
        ROLLMAINT_LEASE_TTL_MS: '2000',
        ROLLMAINT_JOB_LOCK_MS: '5000',
        ROLLMAINT_STALLED_INTERVAL_MS: '1000',
        ROLLMAINT_RUN_RETENTION_DAYS: '30'
      },
      CWD
    )
    expect(config.workerConcurrency).toBe(4)
    expect(config.leaseTtlMs).toBe(2000)
    expect(config.jobLockMs).toBe(5000)
    expect(config.stalledIntervalMs).toBe(1000)
    expect(config.runRetentionDays).toBe(30)
  })
})

describe('bad values are refused at start-up with a ConfigError naming the variable (docs/configuration.md#environment-variables)', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '80.5'],
    ['PORT', '-1'],
    ['PORT', '1e3'],
    ['PORT', '0x50'],
    ['ROLLMAINT_STAGE_TIMEOUT', 'ten'],
    ['ROLLMAINT_STAGE_TIMEOUT', '-5'],
    ['ROLLMAINT_MAX_PARALLEL_CLUSTERS', 'four'],
    ['ROLLMAINT_MAX_PARALLEL_CLUSTERS', '-2'],
    ['ROLLMAINT_WORKER_CONCURRENCY', '3x']
  ])('non-numeric or negative %s=%s', (name, value) => {
    const err = configError({ [name]: value })
    expect(err.variable).toBe(name)
    expect(err.message).toContain(name)
    expect(err.message).toContain('whole number')
    expect(err.message).toContain(JSON.stringify(value))
  })

  it.each([
    ['PORT', '65536', 'between 0 and 65535'],
    ['PORT', '70000', 'between 0 and 65535'],
    ['ROLLMAINT_STAGE_TIMEOUT', '0', 'between 1 and 604800'],
    ['ROLLMAINT_STAGE_TIMEOUT', '604801', 'between 1 and 604800'],
    ['ROLLMAINT_MAX_PARALLEL_CLUSTERS', '0', 'between 1 and 1000'],
    ['ROLLMAINT_MAX_PARALLEL_CLUSTERS', '1001', 'between 1 and 1000'],
    ['ROLLMAINT_LEASE_TTL_MS', '999', 'between 1000 and 599000'],
    ['ROLLMAINT_JOB_LOCK_MS', '1999', 'between 2000 and 600000'],
    ['ROLLMAINT_RUN_RETENTION_DAYS', '1', 'between 7 and 3650']
  ])('out of range %s=%s', (name, value, range) => {
    const err = configError({ [name]: value })
    expect(err.variable).toBe(name)
    expect(err.message).toBe(`${name}: must be ${range}, got ${Number(value)}`)
  })

  it('a lease TTL not shorter than the job lock (issue 11, item 9): a stalled attempt could still hold the lease when its job is run again', () => {
    for (const [ttl, lock] of [
      ['8000', '8000'],
      ['9000', '5000']
    ] as const) {
      const err = configError({ ROLLMAINT_LEASE_TTL_MS: ttl, ROLLMAINT_JOB_LOCK_MS: lock })
      expect(err.variable).toBe('ROLLMAINT_LEASE_TTL_MS')
      expect(err.message).toBe(
        `ROLLMAINT_LEASE_TTL_MS: must be shorter than ROLLMAINT_JOB_LOCK_MS (${lock}), got ${ttl}; ` +
          'a worker that stalls past its job lock must have lost its cluster lease by then'
      )
    }
    // only the lock given: checked against the lease's default
    expect(configError({ ROLLMAINT_JOB_LOCK_MS: '2000' }).variable).toBe('ROLLMAINT_LEASE_TTL_MS')
    const defaults = loadConfig({}, CWD)
    expect(defaults.leaseTtlMs).toBeLessThan(defaults.jobLockMs)
  })

  it.each(['verbose', 'INFO ', 'Info', 'warning'])('bad LOG_LEVEL=%s', (value) => {
    // 'INFO ' is trimmed to 'INFO', which is not a pino level either (levels are lower case)
    const err = configError({ LOG_LEVEL: value })
    expect(err.variable).toBe('LOG_LEVEL')
    expect(err.message).toMatch(/^LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent$/)
  })

  it.each(['localhost:6379', 'http://127.0.0.1:6379', 'redis:/127.0.0.1', '127.0.0.1'])('bad REDIS_URL=%s', (value) => {
    const err = configError({ REDIS_URL: value })
    expect(err.variable).toBe('REDIS_URL')
    expect(err.message).toContain('REDIS_URL')
    expect(err.message).toContain('redis://')
  })

  it.each(['has space', 'a/b', '{tag}', 'ü'])('bad ROLLMAINT_KEY_PREFIX=%s', (value) => {
    const err = configError({ ROLLMAINT_KEY_PREFIX: value })
    expect(err.variable).toBe('ROLLMAINT_KEY_PREFIX')
  })

  it('ConfigError carries a stable code and name', () => {
    const err = configError({ PORT: 'x' })
    expect(err.code).toBe('CONFIG_INVALID')
    expect(err.name).toBe('ConfigError')
  })
})

describe('issue 12 item 4: production defaults replace a dead worker within 15 s', () => {
  it("lease 6 s; job lock 8 s and stalled check 2 s, so a dead worker's job moves on within 10 s", () => {
    const config = loadConfig({}, CWD)
    expect(config.leaseTtlMs).toBe(6_000)
    expect(config.jobLockMs).toBe(8_000)
    expect(config.stalledIntervalMs).toBe(2_000)
    // The rest of the 15 s is the new worker's reconnect and re-attach, slow on a loaded machine.
    expect(Math.max(config.leaseTtlMs, config.jobLockMs + config.stalledIntervalMs)).toBeLessThanOrEqual(15_000 - 5_000)
  })
})
