"""The ledger (台账): enterprises, projects, chains' monthly scale, indicators and their targets, monthly
reporting, and the cockpit (驾驶舱) that tracks every 2025 target against the reported figures."""


def register(app):
    """Register the ledger's reminder scans and rules (monthly reporting) and its task filters (by chain,
    enterprise and project) on this app."""
    from app.ledger import hooks, links
    from app.ledger.views import links as link_views

    hooks.register(app)
    links.register(app)
    link_views.register_panel(app)
