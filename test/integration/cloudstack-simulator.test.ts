import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCloudStackClient, type CloudStackClient } from '../../shared/cloudstack/cloudstack-client.js'
import { CloudStackRequestError } from '../../shared/errors/cloudstack-request-error.js'
import { Secret } from '../../shared/secret.js'
import { nextResourceState } from '../support/cloudstack-sim/resource-state.js'
import { startCloudStackSimulator, type CloudStackSimulator } from '../support/cloudstack-sim/cloudstack-simulator.js'

// The simulator is what the cloudstack driver's tests trust, so it is checked against CloudStack's rules.
let sim: CloudStackSimulator
let client: CloudStackClient
beforeAll(async () => {
  sim = await startCloudStackSimulator({
    users: [{ apiKey: 'AK', secretKey: 'SK' }],
    jobDelayMs: 10,
    migrationMs: 20,
    layout: {
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
                  id: 'c',
                  name: 'c',
                  hosts: [
                    { id: 'h1', name: 'kvm1', ipaddress: '10.0.0.1', vms: ['vm-a'] },
                    { id: 'h2', name: 'kvm2', ipaddress: '10.0.0.2' }
                  ]
                }
              ]
            }
          ]
        }
      ]
    }
  })
  client = createCloudStackClient({ url: sim.url, apiKey: 'AK', secretKey: new Secret('SK') })
})
afterAll(async () => {
  await sim?.close()
})

async function refusal(p: Promise<unknown>): Promise<CloudStackRequestError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(CloudStackRequestError)
    return err as CloudStackRequestError
  }
  throw new Error('CloudStack accepted it')
}

async function job(jobid: unknown): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const j = await client.call('queryAsyncJobResult', { jobid: String(jobid) })
    if (j.jobstatus !== 0) return j
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('job never finished')
}

describe('CloudStack simulator', () => {
  it('CloudStack resource-state transitions: what it allows and what it refuses', () => {
    expect(nextResourceState('Enabled', 'AdminAskMaintenance')).toBe('PrepareForMaintenance')
    expect(nextResourceState('PrepareForMaintenance', 'InternalEnterMaintenance')).toBe('Maintenance')
    expect(nextResourceState('PrepareForMaintenance', 'UnableToMaintain')).toBe('ErrorInMaintenance')
    expect(nextResourceState('ErrorInMaintenance', 'AdminAskMaintenance')).toBe('PrepareForMaintenance')
    expect(nextResourceState('ErrorInMaintenance', 'AdminCancelMaintenance')).toBe('Enabled')
    expect(nextResourceState('Disabled', 'AdminAskMaintenance')).toBeUndefined()
    expect(nextResourceState('Enabled', 'AdminCancelMaintenance')).toBeUndefined()
  })

  it('refuses unsigned and wrongly signed requests with 401', async () => {
    const unsigned = await fetch(`${sim.url}?command=listZones&response=json&apiKey=AK`)
    expect(unsigned.status).toBe(401)
    expect(await unsigned.json()).toEqual({
      listzonesresponse: {
        uuidList: [],
        errorcode: 401,
        cserrorcode: 9999,
        errortext: 'unable to verify user credentials and/or request signature'
      }
    })
    const wrong = createCloudStackClient({ url: sim.url, apiKey: 'AK', secretKey: new Secret('nope') })
    expect((await refusal(wrong.call('listZones'))).errorcode).toBe(401)
  })

  it("unknown commands, missing and unknown ids get CloudStack's codes and texts", async () => {
    expect(await refusal(client.call('deployVirtualMachine'))).toMatchObject({
      errorcode: 432,
      errortext: 'The given command does not exist or it is not available for user'
    })
    expect(await refusal(client.call('prepareHostForMaintenance'))).toMatchObject({
      errorcode: 431,
      errortext: 'Unable to execute API command prepareHostForMaintenance due to missing parameter id'
    })
    expect((await refusal(client.call('prepareHostForMaintenance', { id: 'nope' }))).errortext).toMatch(
      /^Unable to execute API command prepareHostForMaintenance due to invalid value\. Invalid parameter id value=nope/
    )
  })

  it('prepare → job result PrepareForMaintenance → Maintenance (VM moved); again → refused by the job; cancel → Enabled', async () => {
    const started = await client.call('prepareHostForMaintenance', { id: 'h1' })
    const done = await job(started.jobid)
    expect(done).toMatchObject({
      jobstatus: 1,
      jobresultcode: 0,
      cmd: 'org.apache.cloudstack.api.command.admin.host.PrepareForMaintenanceCmd',
      jobinstanceid: 'h1'
    })
    expect((done.jobresult as { host: { resourcestate: string } }).host.resourcestate).toBe('PrepareForMaintenance')
    await expect.poll(() => sim.resourceState('h1')).toBe('Maintenance')
    expect(sim.vmsOn('h2')).toEqual(['vm-a'])

    const again = await job((await client.call('prepareHostForMaintenance', { id: 'h1' })).jobid)
    expect(again).toMatchObject({
      jobstatus: 2,
      jobresultcode: 530,
      jobresult: {
        errorcode: 530,
        errortext:
          'Failed to prepare host for maintenance due to: Host is already in state Maintenance. Cannot recall for maintenance until resolved.'
      }
    })
    const cancelled = await job((await client.call('cancelHostMaintenance', { id: 'h1' })).jobid)
    expect((cancelled.jobresult as { host: { resourcestate: string } }).host.resourcestate).toBe('Enabled')
    expect(sim.history('h1')).toEqual(['Enabled', 'PrepareForMaintenance', 'Maintenance', 'Enabled'])
  })

  it('list filters as CloudStack applies them; empty lists are {}', async () => {
    expect((await client.call('listHosts', { type: 'Routing', hypervisor: 'kvm', clusterid: 'c' })).count).toBe(2)
    expect(await client.call('listHosts', { type: 'SecondaryStorageVM' })).toEqual({})
    expect(await client.call('listClusters', { podid: 'p' })).toMatchObject({
      count: 1,
      cluster: [{ id: 'c', hypervisortype: 'KVM', podid: 'p', zoneid: 'z' }]
    })
  })
})
