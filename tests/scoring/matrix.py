"""The assessment's newer lines of the permission matrix (tests/permission_matrix.py adds them to ROUTES and
SAMPLES): one file per part — 考评细则 drafting and approval, the quarterly indicator entry, service ratings and
co-assessment, the approval chain of results."""

from tests.scoring import (
    matrix_approvals,
    matrix_criteria,
    matrix_criteria_approval,
    matrix_criteria_entry,
    matrix_ratings,
)

PARTS = (matrix_criteria, matrix_criteria_approval, matrix_criteria_entry, matrix_ratings, matrix_approvals)
SCORING_ROUTES = [line for part in PARTS for line in part.ROUTES]
SCORING_SAMPLES = {name: sample for part in PARTS for name, sample in part.SAMPLES.items()}
