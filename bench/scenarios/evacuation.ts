import { chmodSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pino } from 'pino'
import { startKvmLab } from '../../test/support/kvm-lab.js'
import { createRedisConnection } from '../../store/connection.js'
import { createRedisKeys } from '../../store/keys.js'
import { createWorker } from '../../workers/create-worker.js'
import { getRun, percentile, startBenchApi, startRun } from '../bench-env.js'

export interface EvacuationResult {
  hosts: number
  vms: number
  vmMiB: number
  virtKvm: number
  maxParallelMigrations: number
  migrations: number
  runWallMs: number
  /** Sum over hosts of the time from a host's first vm.migrating to its last vm.migrated. */
  evacuationWallMs: number
  /** Sum of every migration's own duration (virsh migrate, as the driver timed it). */
  migrationsSumMs: number
  /** migrationsSumMs / evacuationWallMs: what running maxParallelMigrations at once buys. */
  parallelGain: number
  migrationP50Ms: number
  migrationMaxMs: number
  /** Guest pause at switch-over, libvirt's own figure (`virsh domjobinfo --completed`, Total downtime). */
  downtimeP50Ms: number
  downtimeMaxMs: number
}

const HOSTS = 3
const VMS_PER_HOST = 4
const VM_MIB = 128
const PARALLEL = 2

/**
 * The KVM lab (3 real libvirtd+sshd hosts, 4 VMs of 128 MiB each), one rolling maintenance of the
 * cluster through the real API and an in-process worker: every host is evacuated by live migration
 * before its (instant) Maintenance script.
 */
export async function evacuationScenario(redisUrl: string, runs: number): Promise<EvacuationResult[]> {
  const lab = await startKvmLab({ hosts: HOSTS })
  const doc = {
    defaults: {
      user: 'root',
      privateKeyPath: lab.privateKeyPath,
      maintenance: {
        driver: 'libvirt',
        maxParallelMigrations: PARALLEL,
        migrationTimeout: 300,
        reserveMemoryPercent: 10
      }
    },
    zones: [
      {
        id: 'z',
        name: 'z',
        pods: [
          {
            id: 'p',
            name: 'p',
            clusters: [
              {
                id: 'kvm',
                name: 'kvm',
                hosts: lab.hosts.map((h) => ({ id: h.name, name: h.name, ...lab.inventoryHost(h.name) }))
              }
            ]
          }
        ]
      }
    ]
  }
  for (const h of lab.hosts) {
    writeFileSync(path.join(h.hooksDir, 'Maintenance'), '#!/bin/sh\necho done\n')
    chmodSync(path.join(h.hooksDir, 'Maintenance'), 0o755)
  }
  const api = await startBenchApi(redisUrl, doc)
  const worker = await createWorker({ config: api.config, inventory: api.inventory, logger: pino({ level: 'warn' }) })
  const redis = createRedisConnection(api.config.redis, 'tool')
  const keys = createRedisKeys(api.config.keyPrefix)
  try {
    const out: EvacuationResult[] = []
    for (let run = 0; run < runs; run++) {
      await lab.reset()
      await Promise.all(
        lab.hosts.flatMap((h, i) =>
          Array.from({ length: VMS_PER_HOST }, (_, j) => lab.vm(h.name, `e${i * VMS_PER_HOST + j + 1}`, VM_MIB))
        )
      )
      const started = Date.now()
      const id = await startRun(api, { clusterids: ['kvm'] })
      let view = await getRun(api, id)
      while (!view.result) {
        await new Promise((r) => setTimeout(r, 50))
        view = await getRun(api, id)
      }
      const runWallMs = Date.now() - started
      if (!view.result.rollingmaintenance.success)
        throw new Error(`evacuation run failed: ${view.result.rollingmaintenance.details}`)
      // Stream ids start with the millisecond the event was written.
      const events = (await redis.xrange(keys.runEvents(id), '-', '+')).map(([sid, f]) => {
        const m = new Map<string, string>()
        for (let i = 0; i + 1 < f.length; i += 2) m.set(f[i]!, f[i + 1]!)
        return {
          t: Number(sid.split('-')[0]),
          type: m.get('type')!,
          data: JSON.parse(m.get('data') ?? '{}') as Record<string, unknown>
        }
      })
      const migrated = events.filter((e) => e.type === 'vm.migrated')
      let evacuationWallMs = 0
      for (const h of lab.hosts) {
        const mine = events.filter(
          (e) => e.data.hostName === h.name && (e.type === 'vm.migrating' || e.type === 'vm.migrated')
        )
        if (mine.length > 0) evacuationWallMs += mine.at(-1)!.t - mine[0]!.t
      }
      const durations = migrated.map((e) => Number(e.data.durationMs))
      const downtimes = migrated.map((e) => e.data.downtimeMs).filter((v): v is number => typeof v === 'number')
      const migrationsSumMs = durations.reduce((a, b) => a + b, 0)
      out.push({
        hosts: HOSTS,
        vms: HOSTS * VMS_PER_HOST,
        vmMiB: VM_MIB,
        virtKvm: lab.virtType === 'kvm' ? 1 : 0,
        maxParallelMigrations: PARALLEL,
        migrations: migrated.length,
        runWallMs,
        evacuationWallMs,
        migrationsSumMs,
        parallelGain: Math.round((migrationsSumMs / Math.max(1, evacuationWallMs)) * 100) / 100,
        migrationP50Ms: percentile(durations, 50),
        migrationMaxMs: Math.max(...durations),
        downtimeP50Ms: percentile(downtimes, 50),
        downtimeMaxMs: Math.max(...downtimes)
      })
    }
    return out
  } finally {
    redis.disconnect()
    await worker.forceClose()
    await api.close()
    await lab.stop()
  }
}
