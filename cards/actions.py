"""The `actions` card: a person's own open actions, by where they were agreed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from adaptive_cards_python import elements as E

from cards.base import CardDict, card, execute, text, title


@dataclass(frozen=True)
class ActionItem:
    source: str  # "Progression cards", "Observations", "Your support programme"
    what: str
    due_on: date | None
    where: str  # the group, the observation, or the action's status in the programme
    card_action_id: int | None = None  # progression card actions can be closed from here


def _when(item: ActionItem, today: date) -> str:
    if item.due_on is None:
        return item.where
    due = f"{item.due_on:%a} {item.due_on.day} {item.due_on:%b}"
    late = " \u2014 **overdue**" if item.due_on < today else ""
    return f"{item.where} \u00b7 by {due}{late}"


def my_actions_card(items: Sequence[ActionItem], today: date) -> CardDict:
    if not items:
        return card(
            [title("Your actions"), text("You have no open actions. Nice.")],
            fallback_text="You have no open actions.",
        )
    body: list[object] = [title(f"Your actions ({len(items)})")]
    sources = list(dict.fromkeys(i.source for i in items))
    for source in sources:
        body.append(E.TextBlock(text=source, weight="bolder", wrap=True, separator=True))
        for item in (i for i in items if i.source == source):
            body.append(E.TextBlock(text=item.what, wrap=True, spacing="small"))
            body.append(text(_when(item, today), subtle=True, size="small"))
            if item.card_action_id is not None:
                body.append(
                    E.ActionSet(
                        actions=[
                            execute("Done", "cards.action.done", {"action": item.card_action_id}),
                            execute(
                                "More time",
                                "cards.action.later",
                                {"action": item.card_action_id},
                            ),
                            execute(
                                "Not doing it", "cards.action.drop", {"action": item.card_action_id}
                            ),
                        ]
                    )
                )
    buttons = []
    if any(i.source == "Observations" for i in items):
        buttons.append(execute("Action review log", "run", {"command": "ars"}))
    return card(body, buttons, fallback_text=f"Your actions ({len(items)})")
