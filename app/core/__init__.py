"""Shared plumbing: models, clock, audit, permissions, pagination, errors."""
