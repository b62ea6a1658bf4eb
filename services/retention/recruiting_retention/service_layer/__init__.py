"""Handlers: events in, schedule and erasures out; company requests (policy, holds, reads)."""
