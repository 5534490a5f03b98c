"""Permission matrix lines of the assessment's criteria_approval part (same columns as tests/permission_matrix.py
ROUTES: anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj (the 工信局 assessor), B = 湘潭县 xtx (an assessed county),
asr = 市发改委 fgw (the 发改委 assessor))."""
# ruff: noqa: E501  (one line per route keeps the table readable)

ROUTES = [
    #anon A   B   asr vm+ vm- myr adm obs
]

SAMPLES = {}
