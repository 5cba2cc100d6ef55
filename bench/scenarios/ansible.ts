import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startSshdFleet } from '../../test/support/sshd-fleet.js'
import { gaps } from './real-hosts.js'

export interface AnsibleResult {
  wallMs: number
  scriptMsOnPath: number
  overheadPerHostCycleMs: number
  version: string
}

/**
 * Debian's ansible driving the same four stage scripts over the same kind of sshd hosts as the
 * overhead scenario: PreFlight on every host first, then one host at a time (`serial: 1`).
 */
export async function ansibleScenario(runs: number): Promise<AnsibleResult[]> {
  let version = spawnSync('ansible-playbook', ['--version']).stdout?.toString().split('\n')[0] ?? ''
  if (!version) {
    // Debian's package, as the issue asks: installed on first use when we may (root), else a clear error.
    process.stderr.write('ansible-playbook missing: apt-get install -y ansible\n')
    spawnSync('sh', ['-c', 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ansible'], {
      stdio: 'inherit'
    })
    version = spawnSync('ansible-playbook', ['--version']).stdout?.toString().split('\n')[0] ?? ''
    if (!version) throw new Error('ansible-playbook is missing and could not be installed: apt-get install -y ansible')
  }
  const hosts = Array.from({ length: 10 }, (_, i) => `a${i}`)
  const fleet = await startSshdFleet({ hosts: hosts.map((name) => ({ name })) })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollmaint-ansible-'))
  try {
    for (const h of hosts)
      for (const stage of ['PreFlight', 'PreMaintenance', 'Maintenance', 'PostMaintenance'] as const)
        fleet.writeHook(h, stage, fleet.loggingHook({}))
    const knownHosts = path.join(dir, 'known_hosts')
    writeFileSync(
      knownHosts,
      hosts.map((h) => `[127.0.0.1]:${fleet.host(h).port} ${fleet.host(h).hostKey}`).join('\n') + '\n'
    )
    writeFileSync(
      path.join(dir, 'inventory.ini'),
      `[cluster]\n${hosts.map((h) => `${h} ansible_host=127.0.0.1 ansible_port=${fleet.host(h).port} hooks=${fleet.host(h).hooksDir}`).join('\n')}\n\n[cluster:vars]\nansible_user=root\nansible_ssh_private_key_file=${fleet.privateKeyPath}\nansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts}'\n`
    )
    const task = (stage: string) =>
      `    - raw: ROLLMAINT_STAGE=${stage} ROLLMAINT_HOST_NAME={{ inventory_hostname }} {{ hooks }}/${stage}\n`
    writeFileSync(
      path.join(dir, 'playbook.yml'),
      `- hosts: cluster\n  gather_facts: false\n  tasks:\n${task('PreFlight')}\n- hosts: cluster\n  serial: 1\n  gather_facts: false\n  tasks:\n${task('PreMaintenance')}${task('Maintenance')}${task('PostMaintenance')}`
    )
    const out: AnsibleResult[] = []
    for (let i = 0; i < runs; i++) {
      const mark = fleet.readHostLog().length
      const started = Date.now()
      const r = spawnSync(
        'ansible-playbook',
        ['-i', path.join(dir, 'inventory.ini'), '-f', '10', path.join(dir, 'playbook.yml')],
        {
          env: { ...process.env, ANSIBLE_LOCAL_TEMP: path.join(dir, 'tmp'), ANSIBLE_SSH_PIPELINING: 'True' },
          encoding: 'utf8'
        }
      )
      const wallMs = Date.now() - started
      if (r.status !== 0) throw new Error(`ansible-playbook failed: ${r.stdout}\n${r.stderr}`)
      const g = gaps(fleet.readHostLog().slice(mark), hosts)
      out.push({
        wallMs,
        scriptMsOnPath: g.scriptMs,
        overheadPerHostCycleMs: Math.round(((wallMs - g.scriptMs) / hosts.length) * 10) / 10,
        version
      })
    }
    return out
  } finally {
    await fleet.stop()
  }
}
