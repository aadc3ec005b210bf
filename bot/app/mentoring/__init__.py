"""Mentoring and guided coaching (SPEC section 4, seed 003: mentoring and coaching in FE).

- `mentor`: a mentor directory. Staff offer themselves (specialisms, campus, delivery style,
  capacity); a mentee searches by specialism, sees up to five matches with why, and chooses or
  ranks them; the mentor accepts or declines; either can say "not a good fit" and the mentee is
  re-matched. Nobody in a person's management chain is ever offered as their mentor; where no
  in-house specialist exists, the nearest specialisms and the organisation's external mentors
  (partner colleges, brokerage, voucher schemes) are offered.
- `agreement`: the mentoring agreement modelled on seed 003 appendix 5, three SMART objectives,
  confirmed by both; either proposes a change and the other confirms it. The meeting log shows
  each objective's progress as a bar; observations are developmental and never graded; review
  reports go to the agreed recipients only after the mentee has seen them.
- `coach grow` / `coach oskar` / `coach review`: guided GROW and OSKAR conversations on one card
  that updates in place, ending in actions with dates and reminders.

Mentoring and coaching records are readable by the people in the relationship only; line
managers and quality roles may see that a relationship exists, for capacity, and nothing else.
"""

from __future__ import annotations

from bot.app.mentoring import agreement, coaching, directory
from bot.app.mentoring.notices import NOTICES
from bot.app.router import HELP_ONLY, CardAction, Command
from bot.app.turn import ConversationKind

PERSONAL: frozenset[ConversationKind] = frozenset({"personal"})

ROWS: tuple[Command | CardAction, ...] = (
    # Personal only: mentoring and coaching are confidential (a channel gets "works in a 1:1").
    Command("mentor", directory.mentor, aliases=("mentors", "mentoring"), scopes=PERSONAL),
    Command(
        "agreement",
        agreement.agreement,
        aliases=("agreements",),
        scopes=PERSONAL,
        menu_scopes=HELP_ONLY,
    ),
    Command("coach", coaching.coach, aliases=("coaching", "grow", "oskar"), scopes=PERSONAL),
    CardAction("mentor.offer.open", directory.open_offer, idempotent=False),
    CardAction(
        "mentor.offer",
        directory.save_offer,
        form=directory.OfferForm,
        redisplay=directory.redisplay_offer,
    ),
    CardAction("mentor.search", directory.search_again, idempotent=False),
    CardAction("mentor.choose", directory.choose),
    CardAction("mentor.accept", directory.accept),
    CardAction("mentor.decline", directory.decline),
    CardAction("mentor.not_fit", directory.not_a_good_fit),
    CardAction("agreement.open", agreement.open_agreement, idempotent=False),
    CardAction("agreement.edit", agreement.edit, idempotent=False),
    CardAction("agreement.save", agreement.save),
    CardAction("agreement.confirm", agreement.confirm),
    CardAction("mentoring.meeting.open", agreement.open_meeting, idempotent=False),
    CardAction("mentoring.meeting", agreement.log_meeting),
    CardAction("mentoring.observe.open", agreement.open_observation, idempotent=False),
    CardAction("mentoring.observe", agreement.record_observation),
    CardAction("mentoring.evaluate.open", agreement.open_evaluation, idempotent=False),
    CardAction("mentoring.evaluate", agreement.evaluate),
    CardAction("mentoring.review.seen", agreement.review_seen),
    CardAction("coach.answer", coaching.answer),
    CardAction("coach.back", coaching.back),
    CardAction("coach.pause", coaching.pause),
    CardAction("coach.resume", coaching.resume),
    CardAction("coach.share", coaching.share),
    CardAction("coach.review", coaching.review),
    CardAction("coach.action.done", coaching.action_done),
)

__all__ = ["NOTICES", "ROWS"]
