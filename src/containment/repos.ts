/** The store's repositories for one connection, built once and passed to the commands. */
import type { Db } from '../store/db.js';
import { MaterialRepo } from '../store/material-repo.js';
import { HoldsRepo } from '../store/holds-repo.js';
import { AuditLog } from '../store/audit-log.js';
import { Outbox } from '../store/outbox.js';
import { OrdersRepo } from '../store/orders-repo.js';
import type { NotifyRoles } from '../notify/queue.js';
import { DispositionRepo } from '../store/disposition-repo.js';
import { ErpRepo } from '../store/erp-repo.js';

export interface Repos {
  db: Db;
  material: MaterialRepo;
  holds: HoldsRepo;
  audit: AuditLog;
  outbox: Outbox;
  orders: OrdersRepo;
  dispositions: DispositionRepo;
  erp: ErpRepo;
  /** Queues notifications to roles (set by the composition root). */
  notifyRoles?: NotifyRoles;
}

export function createRepos(db: Db, gatewayId: string, storeId: string): Repos {
  return {
    db,
    material: new MaterialRepo(db),
    holds: new HoldsRepo(db),
    audit: new AuditLog(db),
    outbox: new Outbox(db, gatewayId, storeId),
    orders: new OrdersRepo(db),
    dispositions: new DispositionRepo(db),
    erp: new ErpRepo(db),
  };
}
