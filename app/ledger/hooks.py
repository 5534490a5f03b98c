"""What the ledger registers on the app: reminder scans and rules (monthly reporting), and the task filters by
chain, enterprise and project. Filled in by the parts that need them."""


def register(app):
    return None
