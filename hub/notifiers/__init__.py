"""Notifiers: hub subscribers that turn change events into messages elsewhere (Slack)."""

from hub.notifiers.notifier import Checkpoint, HubFollower, Notifier, Outbox

__all__ = ["Checkpoint", "HubFollower", "Notifier", "Outbox"]
