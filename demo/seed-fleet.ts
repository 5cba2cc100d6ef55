import { chmodSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { SimFleet } from './sim-ssh-host.js'

/** The seed's second example: zone1 with two clusters of three hosts, zone2 with one cluster of three. */
export const SEED_ZONES = [
  {
    id: '6f3c9827-6e99-4c63-b7d5-e8f427f6dcff',
    name: 'zone1',
    clusters: [
      {
        id: 'b1e1c8b4-4a57-4c5c-9d1b-2f8e8c1d0a11',
        name: 'cluster1',
        hosts: [
          { id: '86c0b59f-89de-40db-9b30-251f851e869f', name: 'ref-trl-711-k-M7-apanic-kvm1' },
          { id: 'ef10dacd-ac4e-4ec0-bc8d-7fb5bb461c9d', name: 'ref-trl-711-k-M7-apanic-kvm2' },
          { id: 'fcc8b96e-1c29-492e-a074-96babec70ecc', name: 'ref-trl-711-k-M7-apanic-kvm3' }
        ]
      },
      {
        id: 'c2f2d9c5-5b68-4d6d-8e2c-3a9f9d2e1b22',
        name: 'cluster2',
        hosts: [
          { id: '4a732078-2f5d-4bf1-8425-2135004a6b1a', name: 'ref-trl-711-k-M7-apanic-kvm6' },
          { id: '8f27f11a-9c60-4c30-8622-0e1bce718adc', name: 'ref-trl-711-k-M7-apanic-kvm5' },
          { id: 'adbbfc34-9369-4a15-93dc-7ed85756c24e', name: 'ref-trl-711-k-M7-apanic-kvm4' }
        ]
      }
    ]
  },
  {
    id: 'ce831d12-c2df-4b11-bec9-684dcc292c18',
    name: 'zone2',
    clusters: [
      {
        id: 'd3a3eac6-6c79-4e7e-9f3d-4b0a0e3f2c33',
        name: 'cluster3',
        hosts: [
          { id: '59159ade-f5c3-4606-9174-e501301f59d4', name: 'ref-trl-714-k-M7-apanic-kvm3' },
          { id: 'b0f54409-4874-4573-9c24-8efac5b07f6f', name: 'ref-trl-714-k-M7-apanic-kvm1' },
          { id: '02228e26-a0d6-4607-824d-501ae5ac8dab', name: 'ref-trl-714-k-M7-apanic-kvm2' }
        ]
      }
    ]
  }
]

/** Stage scripts of the demo: real files, run by the real stage runner on the simulated hosts. */
export const DEMO_HOOKS: Record<string, string> = {
  'PreFlight.sh':
    '#!/bin/sh\n# a real check would look at free disk, running VMs, a /processed marker...\n[ -d "$HOME" ] || exit 1\necho "pre-flight ok on $ROLLMAINT_HOST_NAME"\n',
  'PreMaintenance.sh': '#!/bin/sh\necho "draining VMs from $ROLLMAINT_HOST_NAME"\nsleep 0.2\n',
  'Maintenance.sh': '#!/bin/sh\nsleep 1\necho "patched kernel 6.1.0-$(date +%s | tail -c 3)"\n',
  'PostMaintenance.sh': '#!/bin/sh\necho validated\n'
}

/** A Maintenance script that fails, for `npm run demo -- --fail <host>` (docs/user-guide.md#failures-after-preflight in action). */
export const FAILING_MAINTENANCE =
  '#!/bin/sh\nsleep 1\necho "kernel update failed: no space left on /boot" >&2\nexit 1\n'

/** Writes the demo's stage scripts on every host; hosts named in `failing` get a Maintenance that fails. */
export function installDemoHooks(fleet: SimFleet, failing: ReadonlySet<string> = new Set()): void {
  for (const host of fleet.hosts) {
    for (const [file, text] of Object.entries(DEMO_HOOKS)) {
      const body = file === 'Maintenance.sh' && failing.has(host.name) ? FAILING_MAINTENANCE : text
      writeFileSync(path.join(host.hooksDir, file), body)
      chmodSync(path.join(host.hooksDir, file), 0o755)
    }
  }
}
