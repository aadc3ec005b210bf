"""The progression card activity (SPEC section 5, seed 004 "Progression cards"): a coaching team
works through the deck's strategic issues together, one lead question at a time, on a live card in
a channel, a group chat or a 1:1, and agrees actions. Modules:

- `session`: the `cards` command, the live session card, contributions, actions, schedules,
  the organisation's own issues and questions, and comparing groups;
- `export`: a session's outcomes as a Word document or an Excel workbook.

`ROWS` and `NOTICES` go into the command table (bot.app.commands).
"""

from __future__ import annotations

from bot.app.progression.session import NOTICES, ROWS

__all__ = ["NOTICES", "ROWS"]
