/* Searchable choosers for long multi-selects (Tom Select, vendored). */
