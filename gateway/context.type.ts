import type { Viewer } from '../platform/auth/viewer';
import type { Logger } from '../platform/logger';

export interface GatewayContext {
  requestId: string;
  log: Logger;
  viewer: Viewer | null;
  /** The verified `Authorization` header, forwarded to subgraphs (which verify it again). */
  authorization?: string;
  clientIp: string | null;
  userAgent: string | null;
}
