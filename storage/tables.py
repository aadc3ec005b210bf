"""Imports every module that defines tables, so `Base.metadata` knows them all (Alembic, tests).

Each capability adds one line here for its own `storage/<capability>.py`.
"""

import storage.walks  # noqa: F401 - learning walks
from storage import documents as documents
from storage import mentoring as mentoring
from storage import models, outbox, preferences, reminders
from storage import observations as observations
from storage import privacy as privacy
from storage import progression as progression
from storage import support as support

__all__ = [
    "models",
    "outbox",
    "preferences",
    "reminders",
    "observations",
    "progression",
    "support",
    "documents",
    "privacy",
    "mentoring",
]
