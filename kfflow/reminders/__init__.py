"""Reminders and escalation: rules as data, an outbox sent exactly once, digests and calendar feeds."""
