/** What the HTTP routes may use: read repositories, the interlocks, and commands through the group commit. */
import type { Repos } from '../containment/repos.js';
import type { Interlocks } from '../containment/interlocks.js';
import type { AccessRepo } from '../store/access-repo.js';
import type { GroupCommitWriter } from '../store/group-commit.js';
import type { OrdersRepo } from '../store/orders-repo.js';
import type { ApprovalRoute } from '../holds/approval.js';
import type { SyncService } from '../sync/service.js';
import type { BacklogState } from '../sync/bounds.js';

export interface ApiDeps {
  mode: 'demo' | 'production';
  /** Default plant for manual holds that name none. */
  plant: string;
  repos: Repos;
  orders: OrdersRepo;
  access: AccessRepo;
  interlocks: Interlocks;
  writer: GroupCommitWriter;
  command: <T>(fn: (r: Repos) => T) => Promise<T>;
  now: () => Date;
  /** Approval routes of the loaded rule set. */
  routes: () => readonly ApprovalRoute[];
  sync: () => SyncService;
  backlog: () => BacklogState;
}
