/**
 * Cross-instance delivery to a user's open WebSockets: every server instance subscribes to the user channels of
 * the sockets it holds (see realtime/hub.ts) and forwards what is published here. Best effort by design:
 * anything published here is also persisted (notifications, messages) and fetched again on reconnect.
 */
import { logger } from '../logger.ts';
import { redis } from '../redis.ts';

export const userChannel = (userId: string) => `lyceum:user:${userId}`;

export async function publishToUser(userId: string, frame: unknown): Promise<void> {
  try {
    await redis.publish(userChannel(userId), JSON.stringify(frame));
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'realtime publish failed');
  }
}
