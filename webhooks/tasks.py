from .outbox import relay_webhooks

__all__ = ["relay_webhooks"]
