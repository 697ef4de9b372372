/** Order impact across holds: which customer orders, work orders and receipts are at risk. */
import { z } from 'zod';
import type { Api } from '../route.js';
import type { ApiDeps } from '../deps.js';

export function orderRoutes(api: Api, deps: ApiDeps): void {
  api.route({
    method: 'GET',
    url: '/api/v1/order-impact',
    summary: 'Open impacts of active holds, earliest due first (e.g. kind=CUSTOMER_ORDER: orders at risk)',
    tag: 'orders',
    permission: 'order.read',
    query: z.object({
      kind: z.enum(['CUSTOMER_ORDER', 'WORK_ORDER', 'SUPPLIER_RECEIPT']).optional(),
      limit: z.coerce.number().int().min(1).max(5000).default(500),
    }),
    handler: ({ query }) => ({ impacts: deps.orders.openImpacts({ kind: query.kind, limit: query.limit }) }),
  });
}
