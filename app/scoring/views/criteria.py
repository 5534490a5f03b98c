"""考评细则 drafting: each year's books by assessor, a book's page, its indicators (method, parameters, source, points
per profile) and the yearly targets per unit."""

from app.scoring.views import bp  # noqa: F401
