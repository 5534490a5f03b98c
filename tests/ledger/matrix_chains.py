"""Permission matrix lines of the ledger part: chains and indicators (same columns as tests/permission_matrix.py
ROUTES: anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj, B = 湘潭县 xtx, asr = 市发改委 fgw)."""

ROUTES = [
]

SAMPLES = {
}
