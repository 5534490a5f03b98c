"""The ledger (台账): enterprises, projects, chains' monthly scale, indicators and their targets, monthly
reporting, and the cockpit (驾驶舱) that tracks every 2025 target against the reported figures."""


def register(app):
    """Register the ledger's reminder scans and rules and its task filters on this app."""
    from app.ledger import hooks

    hooks.register(app)
