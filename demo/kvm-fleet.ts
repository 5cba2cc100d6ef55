import { chmodSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { startKvmLab, type KvmLab } from '../test/support/kvm-lab.js'
import { SEED_ZONES } from './seed-fleet.js'
import { seedInventoryDoc } from './build-seed-inventory.js'

/** Two small VMs per host, 64-128 MiB each: enough to watch them move, light on a laptop. */
const VM_SIZES = [128, 64] as const

export interface KvmDemoFleet {
  lab: KvmLab
  inventoryDoc: unknown
  /** Seed host name → lab host (h1 … h9). */
  labHostOf: Map<string, string>
  vms: string[]
  /** VM → seed host name it runs on now (read from every host's libvirtd). */
  placement(): Promise<Map<string, string>>
  stop(): Promise<void>
}

const KVM_HOOKS: Record<string, string> = {
  'PreFlight.sh':
    '#!/bin/sh\nvirsh -c qemu:///system version >/dev/null || exit 1\necho "pre-flight ok on $ROLLMAINT_HOST_NAME"\n',
  // The libvirt driver has already moved every VM away when this runs: the script checks and says so.
  'Maintenance.sh':
    '#!/bin/sh\nn=$(virsh -c qemu:///system list --name | grep -c .)\n[ "$n" = 0 ] || { echo "$n VMs still running here" >&2; exit 1; }\nsleep 1\necho "patched kernel 6.1.0-$(date +%s | tail -c 3); VMs on this host during maintenance: none"\n',
  'PostMaintenance.sh': '#!/bin/sh\nvirsh -c qemu:///system version >/dev/null && echo validated\n'
}

/**
 * `npm run demo -- --kvm`: the seed's 9 hosts as real KVM hypervisors (the test suite's KVM lab:
 * a libvirtd and an sshd per host in their own namespaces), two running VMs on each, every host
 * using the libvirt maintenance driver.
 */
export async function startKvmDemoFleet(): Promise<KvmDemoFleet> {
  const seedHosts = SEED_ZONES.flatMap((z) => z.clusters.flatMap((c) => c.hosts))
  const lab = await startKvmLab({ hosts: seedHosts.length })
  try {
    const labHostOf = new Map(seedHosts.map((h, i) => [h.name, lab.hosts[i]!.name]))
    const seedOf = new Map([...labHostOf].map(([seed, labName]) => [labName, seed]))
    const vms: string[] = []
    const creating: Array<Promise<void>> = []
    lab.hosts.forEach((h, i) => {
      for (const [j, mib] of VM_SIZES.entries()) {
        const vm = `vm${String(i * VM_SIZES.length + j + 1).padStart(2, '0')}`
        vms.push(vm)
        creating.push(lab.vm(h.name, vm, mib))
      }
      for (const [file, text] of Object.entries(KVM_HOOKS)) {
        writeFileSync(path.join(h.hooksDir, file), text)
        chmodSync(path.join(h.hooksDir, file), 0o755)
      }
    })
    await Promise.all(creating)
    const inventoryDoc = seedInventoryDoc(
      {
        user: 'root',
        privateKeyPath: lab.privateKeyPath,
        maintenance: { driver: 'libvirt', maxParallelMigrations: 2, migrationTimeout: 300, reserveMemoryPercent: 10 }
      },
      (name) => lab.inventoryHost(labHostOf.get(name)!)
    )
    return {
      lab,
      inventoryDoc,
      labHostOf,
      vms,
      async placement() {
        const out = new Map<string, string>()
        for (const h of lab.hosts)
          for (const d of await lab.domains(h.name)) if (d.state === 1) out.set(d.name, seedOf.get(h.name)!)
        return out
      },
      stop: () => lab.stop()
    }
  } catch (err) {
    await lab.stop()
    throw err
  }
}
