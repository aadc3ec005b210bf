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
from bot.app.router import CardAction, Command

# Personal only: mentoring and coaching are confidential (a channel gets "works in a 1:1").
# Every card verb is `private` too: an Action.Submit sent from a channel is answered there,
# for everyone in it, so it hears where to ask and nothing is read or written.
ROWS: tuple[Command | CardAction, ...] = (*directory.ROWS, *agreement.ROWS, *coaching.ROWS)

__all__ = ["NOTICES", "ROWS"]
