"""Demo data: a plausible organisation, tasks, assessments and meetings to try the system with.

`flask demo` (app/cli.py) calls one module per domain, in this order, each idempotent and never committing:
`org.seed_demo_org` (portfolios, chain leaders, one account per role, all with the published demo password),
`tasks.seed_demo_tasks`, `ledger.seed_demo_ledger` (enterprises, projects, chains' scale, monthly figures and
reports, written in bulk), `criteria.seed_demo_criteria` (the 考评细则 of the demo year and the current year,
published before any quarter is finalized), `scoring.seed_demo_scores` (which confirms the indicator grids through
`criteria.confirm_quarter` before finalizing each quarter) and `meetings.seed_demo_meetings`. Each tells its stories
through the domains' own services on a frozen clock, so the data looks as if the system had been used. The demo
lives here, outside the domain packages: a domain never imports it; tests, the browser journeys and the
benchmarks do.
"""
