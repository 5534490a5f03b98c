"""The assessment pages' forms: `entry` (the entry grid and its Excel upload), `rules` (the year's rules),
`year` (the year's administration: policy fulfilment rates, the province-first flag, 不合格 decisions) and
`quarter` (finalizing and reopening a quarter's results)."""
