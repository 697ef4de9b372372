/** Material context: a serial (lot, history, covering holds) and a lot (item, units, holds). */
import { z } from 'zod';
import type { Api } from '../route.js';
import { ApiError } from '../route.js';
import type { ApiDeps } from '../deps.js';

export function materialRoutes(api: Api, deps: ApiDeps): void {
  const r = deps.repos;
  api.route({
    method: 'GET',
    url: '/api/v1/material/serials/:serial',
    summary: 'A serial unit: item, lot, process history and the active holds covering it',
    tag: 'material',
    permission: 'material.read',
    params: z.object({ serial: z.string().min(1) }),
    handler: ({ params }) => {
      const unit = r.material.unit(params.serial);
      const holds = r.holds.coveringSerial(params.serial, unit?.lotId ?? null);
      if (!unit && holds.length === 0)
        throw new ApiError(404, 'HG_SERIAL_NOT_FOUND', `serial ${params.serial} is not known`);
      return {
        serial: params.serial,
        item: unit?.item ?? null,
        lotId: unit?.lotId ?? null,
        history: r.material.history(params.serial),
        activeHolds: holds,
      };
    },
  });
  api.route({
    method: 'GET',
    url: '/api/v1/material/lots/:lot',
    summary: 'A lot: item, quantity, line, known units, and the active holds covering it',
    tag: 'material',
    permission: 'material.read',
    params: z.object({ lot: z.string().min(1) }),
    handler: ({ params }) => {
      const lot = r.material.lot(params.lot);
      const holds = r.holds.coveringLot(params.lot);
      if (!lot && holds.length === 0)
        throw new ApiError(404, 'HG_LOT_NOT_FOUND', `lot ${params.lot} is not known`);
      return {
        ...(lot ?? { lotId: params.lot }),
        units: r.material.unitCount(params.lot),
        activeHolds: holds,
      };
    },
  });
}
