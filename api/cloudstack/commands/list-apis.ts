import { param, type CloudStackCommand } from '../command-context.js'

const list = (name: string, description: string) => ({ name, description, type: 'list', required: false, length: 255 })

/** What CloudStack clients use to discover commands and which of them are async (they then poll). */
const APIS = [
  {
    name: 'startRollingMaintenance',
    description: 'Start rolling maintenance',
    isasync: true,
    since: '4.15',
    related: 'queryAsyncJobResult',
    params: [
      list('zoneids', 'the IDs of the zones to start maintenance on'),
      list('podids', 'the IDs of the pods to start maintenance on'),
      list('clusterids', 'the IDs of the clusters to start maintenance on'),
      list('hostids', 'the IDs of the hosts to start maintenance on'),
      {
        name: 'forced',
        description: 'if rolling mechanism should continue in case of an error',
        type: 'boolean',
        required: false,
        length: 255
      },
      {
        name: 'payload',
        description: 'the command to execute while hosts are on maintenance',
        type: 'string',
        required: false,
        length: 65536
      },
      {
        name: 'timeout',
        description: 'optional operation timeout (in seconds) that overrides the global timeout setting',
        type: 'integer',
        required: false,
        length: 255
      }
    ],
    response: [
      { name: 'details', description: 'in case of failure, details are displayed', type: 'string' },
      { name: 'hostsskipped', description: 'the hosts skipped', type: 'list' },
      { name: 'hostsupdated', description: 'the hosts updated', type: 'list' },
      { name: 'success', description: 'indicates if the rolling maintenance operation was successful', type: 'boolean' }
    ]
  },
  {
    name: 'queryAsyncJobResult',
    description: 'Retrieves the current status of asynchronous job.',
    isasync: false,
    since: '',
    related: 'listAsyncJobs',
    params: [
      { name: 'jobid', description: 'the ID of the asynchronous job', type: 'uuid', required: true, length: 255 }
    ],
    response: [
      { name: 'jobstatus', description: 'the current job status-should be 0 for PENDING', type: 'integer' },
      { name: 'jobresult', description: 'the result reason', type: 'responseobject' }
    ]
  },
  {
    name: 'listAsyncJobs',
    description: 'Lists all pending asynchronous jobs for the account.',
    isasync: false,
    since: '',
    related: 'queryAsyncJobResult',
    params: [
      { name: 'pagesize', description: 'the number of jobs to list', type: 'integer', required: false, length: 255 }
    ],
    response: [{ name: 'jobid', description: 'the ID of the async job', type: 'string' }]
  },
  {
    name: 'listApis',
    description: 'lists all available apis on the server',
    isasync: false,
    since: '',
    related: '',
    params: [{ name: 'name', description: 'API name', type: 'string', required: false, length: 255 }],
    response: [{ name: 'name', description: 'the name of the api command', type: 'string' }]
  }
]

export const listApis: CloudStackCommand = {
  name: 'listApis',
  role: 'readonly',
  async handle({ params }) {
    const name = param(params, 'name')
    const api = name ? APIS.filter((a) => a.name.toLowerCase() === name.toLowerCase()) : APIS
    return { count: api.length, api }
  }
}
