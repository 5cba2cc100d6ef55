import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

/**
 * OpenAPI 3 document generated from the routes' TypeBox schemas (the same schemas that validate
 * requests), served with Swagger UI at /docs. Registered before the routes so it sees them all.
 */
export default fp(
  async function docs(fastify) {
    await fastify.register(swagger, {
      openapi: {
        info: {
          title: 'rollmaint',
          version: '1',
          description:
            "Rolling maintenance of KVM hosts: CloudStack's startRollingMaintenance as a service. The CloudStack-compatible endpoint /client/api is documented by CloudStack itself (listApis)."
        },
        components: { securitySchemes: { basic: { type: 'http', scheme: 'basic', description: 'apiKey:secretKey' } } },
        security: [{ basic: [] }]
      }
    })
    await fastify.register(swaggerUi, { routePrefix: '/docs' })
  },
  { name: 'docs' }
)
