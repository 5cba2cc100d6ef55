import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { CONFIG_ENV_VARS, loadConfig } from '../../shared/config.js'

// No Docker engine runs where the tests run: the file is checked for consistency, not started.
const ROOT = path.resolve(import.meta.dirname, '../..')
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    { command?: string[]; environment?: Record<string, string>; deploy?: { replicas?: number }; profiles?: string[] }
  >
}

/** `KEY=value` lines of an env file, as `docker compose --env-file` reads them. */
function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of readFileSync(path.join(ROOT, file), 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim())
    if (m) out[m[1]!] = m[2]!
  }
  return out
}

/** Compose interpolation: `${X:-d}` is d when X is unset or empty, `${X-d}` only when X is unset. */
function interpolate(value: string, shell: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(:?)-([^}]*)\}/g, (_, name: string, colon: string, fallback: string) => {
    const v = shell[name]
    return v === undefined || (colon === ':' && v === '') ? fallback : v
  })
}

const serviceEnv = (name: string, shell: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(compose.services[name]!.environment!).map(([k, v]) => [k, interpolate(String(v), shell)])
  )

describe('docker-compose.yml', () => {
  it('redis keeps its data (AOF) and never evicts', () => {
    const cmd = compose.services.redis!.command!.join(' ')
    expect(cmd).toContain('--appendonly yes')
    expect(cmd).toContain('--maxmemory-policy noeviction')
  })

  it('api and worker run the built entry points, workers with 3 replicas', () => {
    expect(compose.services.api!.command).toEqual(['node', 'dist/api/server.js'])
    expect(compose.services.worker!.command).toEqual(['node', 'dist/workers/main.js'])
    expect(compose.services.worker!.deploy?.replicas).toBe(3)
    expect(compose.services['demo-hosts']!.command).toEqual(['node', 'dist/demo/serve-sim-fleet.js'])
    expect(compose.services['demo-hosts']!.profiles).toEqual(['demo'])
  })

  it('every variable given to api and worker is one the config module reads, and the values parse', () => {
    for (const name of ['api', 'worker']) {
      const env = compose.services[name]!.environment!
      for (const key of Object.keys(env)) expect(CONFIG_ENV_VARS as readonly string[]).toContain(key)
      // as compose substitutes with nothing set in the shell
      const config = loadConfig(serviceEnv(name, {}), '/app')
      expect(config.redis).toEqual({ mode: 'single', url: 'redis://redis:6379' })
      expect(config.inventoryPath).toBe('/etc/rollmaint/inventory.yaml')
    }
  })

  it('ha profile: two replicas of `redis` and three sentinels (quorum 2) watching it; ha.env points api and worker at them', () => {
    const ha = Object.entries(compose.services)
      .filter(([, svc]) => svc.profiles?.includes('ha'))
      .map(([name]) => name)
      .sort()
    expect(ha).toEqual(['redis-replica-1', 'redis-replica-2', 'sentinel-1', 'sentinel-2', 'sentinel-3'])
    for (const name of ['redis-replica-1', 'redis-replica-2']) {
      const cmd = compose.services[name]!.command!.join(' ')
      expect(cmd).toContain('--replicaof redis 6379')
      expect(cmd).toContain('--appendonly yes')
      expect(cmd).toContain('--maxmemory-policy noeviction')
    }
    const envFile = readEnvFile('ha.env')
    for (const name of ['api', 'worker']) {
      const config = loadConfig(serviceEnv(name, envFile), '/app')
      expect(config.redis.mode).toBe('sentinel')
      if (config.redis.mode !== 'sentinel') return
      expect(config.redis.sentinels.map((s) => `${s.host}:${s.port}`).sort()).toEqual([
        'sentinel-1:26379',
        'sentinel-2:26379',
        'sentinel-3:26379'
      ])
      for (const s of config.redis.sentinels) {
        const script = compose.services[s.host]!.command!.join('\n')
        expect(script).toContain(`sentinel monitor ${config.redis.name} redis 6379 2`)
        expect(script).toContain('port 26379')
      }
      expect(config.redisMinReplicas).toBe('auto')
    }
  })
})
