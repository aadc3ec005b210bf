"""Annual observations of teaching, learning and assessment (OTLA, SPEC §2, seed 002): from
allocation and an agreed date to an approved report and tracked actions; new tutors' induction
(HA24) and the Learning-in-Libraries variant. Modules:

- `allocate`, `lil`: allocating an observer (and a library course); `dates`: proposing and
  agreeing the date; `report`: writing, checking, returning and approving the report;
  `actions`: the action review log; `induction`: new tutors (HA24, OTLA within 6 weeks);
- `views`, `exports`: the quality team's planning, themes and exports; `present`: what each
  reader sees; `lifecycle`, `schedule`, `notices`: moves, reminders and proactive messages;
  `forms`: the card forms.

`ROWS` and `NOTICES` go into the command table (bot.app.commands). Approval with actions is
published on the app's event bus (`ObservationApproved`), and agreeing a date asks it which
learning walks fall that day (`WalksOnDay`).
"""

from __future__ import annotations

from bot.app.observations import (
    actions,
    allocate,
    dates,
    exports,
    forms,
    induction,
    lil,
    report,
    views,
)
from bot.app.observations.notices import NOTICES
from bot.app.router import HELP_ONLY, CardAction, Command

ROWS: tuple[Command | CardAction, ...] = (
    Command(
        "observe", allocate.observe, aliases=("allocate",), private=True, menu_scopes=HELP_ONLY
    ),
    Command(
        "observations",
        views.observations,
        aliases=("otla", "observation"),
        private=True,
        shared_ok=("export",),  # the file goes to the asker's 1:1 chat
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
        menu_scopes=HELP_ONLY,
    ),
    # allocation
    CardAction("otla.allocate.open", allocate.open_allocation, idempotent=False),
    CardAction(
        "otla.allocate",
        allocate.allocate,
        form=forms.AllocateForm,
        redisplay=allocate.redisplay_allocation,
    ),
    CardAction("otla.lil.open", lil.open_lil, idempotent=False),
    CardAction("otla.lil.pick", lil.pick, form=forms.CoursePickForm, redisplay=lil.redisplay_pick),
    # the observation and its date
    CardAction("otla.open", allocate.open_observation, idempotent=False),
    CardAction(
        "otla.propose", dates.propose, form=forms.ProposalForm, redisplay=dates.redisplay_proposal
    ),
    CardAction("otla.accept", dates.accept, form=forms.ObservationRef),
    CardAction("otla.planned", dates.planned, form=forms.ObservationRef),
    CardAction(
        "otla.doc.link",
        dates.share_link,
        form=forms.DocumentLinkForm,
        redisplay=dates.redisplay_proposal,
    ),
    CardAction("otla.doc.get", dates.get_document),
    # the report
    CardAction("otla.report.open", report.open_report, idempotent=False),
    CardAction(
        "otla.report.save",
        report.save_draft,
        form=forms.ReportDraftForm,
        redisplay=report.redisplay_report,
    ),
    CardAction(
        "otla.report.submit",
        report.submit,
        form=forms.ReportForm,
        redisplay=report.redisplay_report,
    ),
    CardAction("otla.check", report.check, form=forms.CheckForm, redisplay=report.redisplay_check),
    CardAction(
        "otla.return",
        report.return_for_correction,
        form=forms.ReturnForm,
        redisplay=report.redisplay_check,
    ),
    CardAction("otla.approve", report.approve, form=forms.ObservationRef),
    CardAction("otla.ack", report.acknowledge, form=forms.ObservationRef),
    CardAction("otla.chase", report.chase, form=forms.ObservationRef),
    # the action review log
    CardAction(
        "otla.action.outcome",
        actions.record_outcome,
        form=forms.ActionOutcomeForm,
        redisplay=actions.redisplay_outcome,
    ),
    CardAction("otla.action.complete", actions.complete, form=forms.ActionRef),
    # quality team views and exports
    CardAction("otla.plan", views.planning, idempotent=False, private=True),
    CardAction("otla.themes", views.themes, idempotent=False),
    CardAction("otla.best", views.best, idempotent=False, private=True),
    CardAction("otla.export.planning", exports.export_planning),
    CardAction("otla.export.actions", exports.export_actions),
    # new tutors
    CardAction("otla.ha24.list", induction.list_new, idempotent=False, private=True),
    CardAction("otla.ha24.open", induction.open_checklist, idempotent=False),
    CardAction("otla.ha24.save", induction.save, form=forms.InductionForm),
)

__all__ = ["NOTICES", "ROWS"]
