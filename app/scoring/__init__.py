"""Assessment (考核评价): rules, entries, the pure engine and results."""
