import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Command } from 'commander'
import { Document } from 'yaml'
import { createCloudStackClient } from '../../shared/cloudstack/cloudstack-client.js'
import { buildInventory } from '../../shared/load-inventory.js'
import { Secret } from '../../shared/secret.js'
import { inventoryFromCloudStack } from '../cloudstack-inventory.js'

interface ImportFlags {
  cloudstack: string
  secretKeyFile?: string
  output?: string
  force?: boolean
  knownHosts: string
  user?: string
  privateKey?: string
  hooksDir?: string
}

const expandHome = (p: string): string => (p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p)

/**
 * `rollmaint inventory import --cloudstack <url>`: an inventory of a CloudStack's KVM hosts, with the
 * cloudstack maintenance driver in `defaults`. Uses the credentials the driver will use (API key +
 * secret key FILE, never the key itself on the command line). The result is checked with the same
 * loader the services use before it is written.
 */
export function inventoryCommand(globalApiKey: () => string | undefined): Command {
  const importCommand = new Command('import')
    .description('write an inventory from a CloudStack management server (zones, pods, clusters, KVM hosts)')
    .requiredOption('--cloudstack <url>', 'CloudStack API, e.g. https://cloud.example/client/api')
    .option('--secret-key-file <file>', 'file holding the CloudStack secret key (or CLOUDSTACK_SECRET_KEY_FILE)')
    .option('-o, --output <file>', 'write here instead of stdout')
    .option('--force', 'overwrite an existing output file')
    .option('--known-hosts <file>', "known_hosts used to check the hosts' SSH keys", '~/.ssh/known_hosts')
    .option('--user <user>', 'SSH user for every host (defaults.user)')
    .option('--private-key <file>', 'SSH private key (defaults.privateKeyPath)')
    .option('--hooks-dir <dir>', 'stage scripts directory on the hosts (defaults.hooksDir)')
    .addHelpText('after', '\nThe CloudStack API key is the global --api-key (or CLOUDSTACK_API_KEY).')
    .action(async (o: ImportFlags) => {
      const env = process.env
      const apiKey = globalApiKey() ?? env.CLOUDSTACK_API_KEY
      const keyFile = o.secretKeyFile ?? env.CLOUDSTACK_SECRET_KEY_FILE
      if (!apiKey || !keyFile) {
        throw new Error(
          'no CloudStack credentials: set --api-key and --secret-key-file (or CLOUDSTACK_API_KEY and CLOUDSTACK_SECRET_KEY_FILE)'
        )
      }
      if (!/^https?:\/\/[^/]/.test(o.cloudstack))
        throw new Error(`--cloudstack must be an http(s) URL, got ${JSON.stringify(o.cloudstack)}`)
      const secretKeyFile = path.resolve(expandHome(keyFile))
      let secret: string
      try {
        secret = readFileSync(secretKeyFile, 'utf8').trim()
      } catch (err) {
        throw new Error(
          `cannot read the secret key file ${secretKeyFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`
        )
      }
      if (secret === '') throw new Error(`the secret key file ${secretKeyFile} is empty`)
      const output = o.output ? path.resolve(o.output) : undefined
      if (output && existsSync(output) && !o.force) throw new Error(`${output} exists; use --force to overwrite it`)

      const client = createCloudStackClient({ url: o.cloudstack, apiKey, secretKey: new Secret(secret) })
      const [zones, pods, clusters, hosts] = await Promise.all([
        client.listAll('listZones', 'zone'),
        client.listAll('listPods', 'pod'),
        client.listAll('listClusters', 'cluster'),
        client.listAll('listHosts', 'host', { type: 'Routing', hypervisor: 'KVM' })
      ])
      const result = inventoryFromCloudStack(
        { zones, pods, clusters, hosts },
        {
          url: o.cloudstack,
          apiKey,
          secretKeyFile,
          knownHostsPath: o.knownHosts,
          user: o.user,
          privateKeyPath: o.privateKey,
          hooksDir: o.hooksDir
        }
      )
      if (!result.ok) throw new Error(result.problem)
      // the services' own loader: what we write is what they accept
      const inventory = buildInventory(result.doc, output ?? '(stdout)')

      const doc = new Document(result.doc)
      doc.commentBefore = ` rollmaint inventory, imported from ${o.cloudstack} at ${new Date().toISOString()}\n host ids are CloudStack's host UUIDs; the maintenance driver asks CloudStack to evacuate each host`
      const text = doc.toString({ lineWidth: 0 })
      if (output) {
        const tmp = `${output}.${process.pid}.tmp`
        writeFileSync(tmp, text, { mode: 0o644 })
        renameSync(tmp, output)
      } else {
        process.stdout.write(text)
      }
      for (const line of result.skipped) process.stderr.write(`skipped ${line}\n`)
      process.stderr.write(
        `${result.hostCount} KVM host(s) in ${inventory.clusters.size} cluster(s), ${inventory.pods.size} pod(s), ${inventory.zones.size} zone(s)${output ? ` written to ${output}` : ''}\n`
      )
    })
  return new Command('inventory').description('inventory helpers').addCommand(importCommand.exitOverride())
}
