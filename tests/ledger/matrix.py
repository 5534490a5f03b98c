"""The ledger's lines of the permission matrix (tests/permission_matrix.py adds them to ROUTES and SAMPLES): one
file per part, so that each part lists its own routes and samples."""

from tests.ledger import (
    matrix_api,
    matrix_chains,
    matrix_cockpit,
    matrix_enterprises,
    matrix_links,
    matrix_projects,
    matrix_reporting,
)

PARTS = (matrix_enterprises, matrix_projects, matrix_reporting, matrix_cockpit, matrix_chains, matrix_links,
         matrix_api)
LEDGER_ROUTES = [line for part in PARTS for line in part.ROUTES]
LEDGER_SAMPLES = {name: sample for part in PARTS for name, sample in part.SAMPLES.items()}
