"""What the quality team sees (SPEC sections 1 and 2, "quality team views" and "uses"; seed 002,
"how annual observations are used" and "how learning walks will be used"): the most frequent
strengths and areas to develop across learning walks and approved OTLA reports, the CPD they point
to and examples of best practice, and completion at a glance, each as a picture on a card and as
a workbook. Modules:

- `views`: the `themes` and `completion` commands, their cards and the export;
- `gather`: the walks, reports and tutors a picture is drawn from, each asked of `can()`;
- `pictures`: the charts (matplotlib, 360 px wide); `workbook`: the XLSX.

`ROWS` and `NOTICES` go into the command table (bot.app.commands).
"""

from __future__ import annotations

from bot.app.notices import NoticeKind
from bot.app.quality import views
from bot.app.router import HELP_ONLY, CardAction, Command
from bot.domain.access import Permission

ROWS: tuple[Command | CardAction, ...] = (
    Command(
        "themes",
        views.themes_command,
        aliases=("cpd",),
        private=True,
        menu_scopes=HELP_ONLY,
        stored_subs=("export",),
        permission=Permission.VIEW_THEMES,
    ),
    Command(
        "completion",
        views.completion_command,
        private=True,
        menu_scopes=HELP_ONLY,
        permission=Permission.VIEW_WALK_COMPLETION,
    ),
    CardAction("quality.themes", views.themes, idempotent=False),
    CardAction("quality.completion", views.completion, idempotent=False),
    CardAction("quality.export", views.export, private=False),
    CardAction("quality.cpd", views.save_cpd, private=False),
)

NOTICES: tuple[NoticeKind, ...] = ()

__all__ = ["NOTICES", "ROWS"]
