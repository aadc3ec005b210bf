"""Annual observations of teaching, learning and assessment (OTLA, SPEC §2, seed 002): from
allocation and an agreed date to an approved report and tracked actions; new tutors' induction
(HA24) and the Learning-in-Libraries variant. Modules:

- `allocate`, `lil`: allocating an observer (and a library course); `dates`: proposing and
  agreeing the date; `report`: writing, checking, returning and approving the report;
  `actions`: the action review log; `induction`: new tutors (HA24, OTLA within 6 weeks);
- `views`, `exports`: the quality team's planning, themes and exports; `present`: what each
  reader sees; `lifecycle`, `schedule`, `notices`: moves, reminders and proactive messages;
  `forms`: the card forms.

`ROWS` (the commands here, and each module's card verbs, listed beside its handlers) and
`NOTICES` go into the command table (bot.app.commands). Approval with actions is
published on the app's event bus (`ObservationApproved`), and agreeing a date asks it which
learning walks fall that day (`WalksOnDay`).
"""

from __future__ import annotations

from bot.app.observations import actions, allocate, dates, exports, induction, lil, report, views
from bot.app.observations.notices import NOTICES
from bot.app.router import HELP_ONLY, CardAction, Command

ROWS: tuple[Command | CardAction, ...] = (
    # Stored: `observe import`, `courses` and `quota` write, so a Teams retry of the same
    # message runs nothing again (a late one does not put back a quota changed since).
    Command(
        "observe",
        allocate.observe,
        aliases=("allocate",),
        private=True,
        menu_scopes=HELP_ONLY,
        stored=True,
    ),
    Command(
        "observations",
        views.observations,
        aliases=("otla", "observation"),
        private=True,
        shared_ok=("export",),  # the file goes to the asker's 1:1 chat
        stored_subs=("export",),  # a retry of a slow export does not keep a second copy
        answers_in_private=True,  # in a team or group chat, the list goes there too
    ),
    Command("report", report.report, aliases=("reports",), private=True, menu_scopes=HELP_ONLY),
    # `actions` (bot.app.actions) is everyone's own list across capabilities; it shows this log
    # too for those who keep it (line managers, the quality team).
    Command(
        "ars",
        actions.actions,
        aliases=("action",),
        private=True,
        shared_ok=("export",),
        stored_subs=("export",),
        menu_scopes=HELP_ONLY,
    ),
    *allocate.ROWS,
    *lil.ROWS,
    *dates.ROWS,
    *report.ROWS,
    *actions.ROWS,
    *views.ROWS,
    *exports.ROWS,
    *induction.ROWS,
)

__all__ = ["NOTICES", "ROWS"]
