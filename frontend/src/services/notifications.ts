import type {
  Bell,
  EventChoices,
  NotificationSettings,
  TestQueued,
  WebhookFormat,
  WebhookSaved,
} from '../api/types';
import type { HttpClient } from './http';

/**
 * The notifications REST API (docs/notifications.md): the bell and marking it read, your channels
 * (email, webhook) with their health, which events go where, and a test message.
 */
export class NotificationsApi {
  constructor(private readonly http: HttpClient) {}

  /** Newest first, with the unread count (new ones also arrive as `notification` events on /ws). */
  bell(limit = 30): Promise<Bell> {
    return this.http.request<Bell>('GET', `/api/notifications?limit=${limit}`);
  }

  /** Mark these read, or every one when `ids` is left out; answers how many are still unread. */
  async markRead(ids?: string[]): Promise<number> {
    const answer = await this.http.request<{ unread: number }>('POST', '/api/notifications/read', ids ? { ids } : {});
    return answer.unread;
  }

  settings(): Promise<NotificationSettings> {
    return this.http.request<NotificationSettings>('GET', '/api/notifications/settings');
  }

  /** Turn events on or off per channel, e.g. `{verdict: {email: false}}`. */
  chooseEvents(choices: EventChoices): Promise<NotificationSettings> {
    return this.http.request<NotificationSettings>('PUT', '/api/notifications/events', choices);
  }

  /** Where email goes; saving it again revives a dead address. */
  setEmail(address: string): Promise<NotificationSettings> {
    return this.http.request<NotificationSettings>('PUT', '/api/notifications/channels/email', { address });
  }

  /** The webhook; without `secret` the server makes one and answers it this once. */
  setWebhook(url: string, format: WebhookFormat, secret?: string): Promise<WebhookSaved> {
    const body = secret ? { url, format, secret } : { url, format };
    return this.http.request<WebhookSaved>('PUT', '/api/notifications/channels/webhook', body);
  }

  async removeChannel(channel: 'email' | 'webhook'): Promise<void> {
    await this.http.request<null>('DELETE', `/api/notifications/channels/${channel}`);
  }

  /** A test notification to every channel set up (and not dead). */
  sendTest(): Promise<TestQueued> {
    return this.http.request<TestQueued>('POST', '/api/notifications/test');
  }
}
