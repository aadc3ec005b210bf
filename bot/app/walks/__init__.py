"""Learning walks (SPEC section 1, seed 002 "Learning walks — HA27"): commands, card verbs, notices.

Managers log a short, developmental walk on the HA27 card from a phone, in the team's channel or
a 1:1 chat; plans set each term's focus, windows and walkers, and the quality team reads summaries
and exports. Modules:

- `ha27`: the `walk` and `walks` commands, the HA27 form, drafts, viewing and sending a walk;
- `plans`: the termly walk plan and the end-of-window notices;
- `reports`: completion views, key findings and the provider return;
- `summaries`: drafts for people to edit: the termly summary, a manager's PMG paragraph;
- `documents`: the HA27 as a Word document and the walks workbook;
- `access`: which team a walk belongs to and who may read it.

`ROWS` and `NOTICES` go into the command table (bot.app.commands).
"""

from __future__ import annotations

from bot.app.walks.ha27 import NOTICES, ROWS

__all__ = ["NOTICES", "ROWS"]
