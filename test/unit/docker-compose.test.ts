import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { CONFIG_ENV_VARS, loadConfig } from '../../shared/config.js'

// No Docker engine runs where the tests run: the file is checked for consistency, not started.
const ROOT = path.resolve(import.meta.dirname, '../..')
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string>; deploy?: { replicas?: number }; profiles?: string[] }>
}

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
      // ${VAR:-default} → default, as compose would substitute with nothing set
      const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]))
      const config = loadConfig(resolved, '/app')
      expect(config.redis).toEqual({ mode: 'single', url: 'redis://redis:6379' })
      expect(config.inventoryPath).toBe('/etc/rollmaint/inventory.yaml')
    }
  })
})
