"""Permission matrix lines of the ledger part: cockpit (same columns as tests/permission_matrix.py ROUTES:
anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj, B = 湘潭县 xtx, asr = 市发改委 fgw)."""
# ruff: noqa: E501  (one line per route keeps the table readable)

ROUTES = [
    ("L   403 403 403 200 200 200 200 200", "ledger.cockpit", "GET", "/ledger/cockpit"),
    ("L   403 403 403 200 200 200 200 200", "ledger.cockpit_excel", "GET", "/ledger/cockpit.xlsx"),
]

SAMPLES = {
}
