"""The organisation: units and groups, people and positions, leadership, portfolios, chains, plans."""
