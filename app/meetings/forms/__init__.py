"""The meetings' forms: `cadence` (a rule's timing, the compliance filter) and `records` (the record pages)."""
