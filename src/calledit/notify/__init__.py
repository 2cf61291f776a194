"""Notifications (docs/notifications.md): events written to an outbox with the change that caused them, and
delivered on each user's chosen channels (the bell, email, webhooks) with retries, exactly once."""
