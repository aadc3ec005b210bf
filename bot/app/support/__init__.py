"""Support (SPEC section 3, seeds 000 and 001): confidential self-referral to an advanced
practitioner, and the 6- and 8-week support programmes that follow.

Voluntary, peer-to-peer and kept apart from performance management: a referral is readable by the
tutor and the AP it is offered to; the head of T&L sees counts and, only on escalation, a review.
Modules:

- `referrals`: `support`, the referral card, offers, caseloads and capacity;
- `matching`: choosing the AP a referral is offered to;
- `programmes`: the programme card, sessions, updates, sign-off, extension and review;
- `ratings`: the tutor's self-ratings and their chart;
- `views`: what each reader is shown of a programme;
- `notices`: every proactive message of the capability;
- `records`: who may see a record, names, and the scheduling keys of its prompts.

`ROWS` and `NOTICES` go into the command table (bot.app.commands).
"""

from __future__ import annotations

from bot.app.router import CardAction, Command
from bot.app.support import programmes, ratings, referrals
from bot.app.support.notices import NOTICES

ROWS: tuple[Command | CardAction, ...] = (*referrals.ROWS, *programmes.ROWS, *ratings.ROWS)

__all__ = ["NOTICES", "ROWS"]
