"""Card submissions about observations, parsed at the edge. Field names are the card input ids,
so a validation error shows next to the input it is about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.app.form_fields import BlankToNone, Stripped, blank_to_none, chosen, written
from bot.domain.observations import ActionOwner, induction_items, parse_clock, theme

ACTION_SLOTS = 3


class ObservationRef(BaseModel):
    observation_id: int


class AcceptForm(ObservationRef):
    """Accept: the start of the proposal the card showed (absent on cards from before it)."""

    proposed: datetime | None = None


class PlannedForm(ObservationRef):
    """On the planning list: the agreed start the card showed (absent on cards from before it)."""

    agreed: datetime | None = None


class AllocateForm(BaseModel):
    tutor_id: Annotated[int, chosen("Choose a tutor")]
    observer_id: int | None = None
    observer_email: EmailStr | None = None
    course: str = Field(default="", max_length=200)

    @field_validator("observer_id", "observer_email", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        value = blank_to_none(value)
        return value.lower() if isinstance(value, str) and "@" in value else value

    @model_validator(mode="after")
    def _someone(self) -> AllocateForm:
        if self.observer_id is None and self.observer_email is None:
            raise ValueError("Choose an observer or give their email")
        return self


class ProposalForm(ObservationRef):
    course: Stripped = Field(min_length=1, max_length=200)
    room: Stripped = Field(default="", max_length=200)
    day: date
    start: time
    end: time
    note: Stripped = Field(default="", max_length=300)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                raise ValueError("Give a time, e.g. 10:00")
            return parse_clock(value)
        return value

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if isinstance(start, time) and value <= start:
            raise ValueError("The end must be after the start")
        return value


class DocumentLinkForm(ObservationRef):
    doc_url: str = Field(max_length=2000)

    @field_validator("doc_url", mode="before")
    @classmethod
    def _url(cls, value: object) -> object:
        if not isinstance(value, str) or not value.strip().startswith(("https://", "http://")):
            raise ValueError("Paste a link starting https://")
        return value.strip()


def _themes(value: object) -> list[str]:
    if isinstance(value, str):
        keys = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(value, list | tuple):
        keys = [str(v) for v in value]
    elif value is None:
        keys = []
    else:
        raise ValueError("Choose themes from the list")
    unknown = [k for k in keys if theme(str(k)) is None]
    if unknown:
        raise ValueError(f"Unknown theme: {', '.join(map(str, unknown))}")
    return [str(k) for k in keys]


def _text(value: object) -> object:
    """Text stripped; an input sent as null is empty text."""
    return value.strip() if isinstance(value, str) else ("" if value is None else value)


Text = Annotated[str, BeforeValidator(_text)]


@dataclass(frozen=True)
class ReportAction:
    """An action the report form has complete: what, whose, and by when."""

    text: str
    owner: ActionOwner
    target: date


class ReportDraftForm(ObservationRef):
    """What a draft may hold: anything so far, as long as what is there makes sense."""

    strength_themes: list[str] = []
    strengths: Text = Field(default="", max_length=5000)
    area_themes: list[str] = []
    areas: Text = Field(default="", max_length=5000)
    suggestions: Text = Field(default="", max_length=3000)
    grade: Annotated[str | None, BlankToNone] = None
    best_practice: bool = False
    best_practice_note: Text = Field(default="", max_length=500)
    action_1: Text = Field(default="", max_length=500)
    action_1_owner: ActionOwner = ActionOwner.TUTOR
    action_1_date: Annotated[date | None, BlankToNone] = None
    action_2: Text = Field(default="", max_length=500)
    action_2_owner: ActionOwner = ActionOwner.TUTOR
    action_2_date: Annotated[date | None, BlankToNone] = None
    action_3: Text = Field(default="", max_length=500)
    action_3_owner: ActionOwner = ActionOwner.TUTOR
    action_3_date: Annotated[date | None, BlankToNone] = None

    @field_validator("strength_themes", "area_themes", mode="before")
    @classmethod
    def _theme_keys(cls, value: object) -> list[str]:
        return _themes(value)

    @field_validator("action_1_owner", "action_2_owner", "action_3_owner", mode="before")
    @classmethod
    def _owner(cls, value: object) -> object:
        return blank_to_none(value) or ActionOwner.TUTOR

    @field_validator("best_practice", mode="before")
    @classmethod
    def _flag(cls, value: object) -> object:
        return str(value).lower() == "true" if isinstance(value, str) else value

    def raw_actions(self) -> list[dict[str, Any]]:
        """Actions as stored with the draft (partly filled ones too)."""
        rows = []
        for i in range(1, ACTION_SLOTS + 1):
            text_, owner, target = self._slot(i)
            if text_ or target:
                rows.append(
                    {
                        "text": text_,
                        "owner": owner.value,
                        "target": target.isoformat() if target else "",
                    }
                )
        return rows

    def report_actions(self) -> list[ReportAction]:
        return [
            ReportAction(text_, owner, target)
            for i in range(1, ACTION_SLOTS + 1)
            for text_, owner, target in [self._slot(i)]
            if text_ and target is not None
        ]

    def _slot(self, i: int) -> tuple[str, ActionOwner, date | None]:
        data = self.__dict__
        return data[f"action_{i}"], data[f"action_{i}_owner"], data[f"action_{i}_date"]


class ReportForm(ReportDraftForm):
    """A report ready for checking: strengths and areas written; every action has an owner and a
    target date."""

    model_config = ConfigDict(validate_default=True)  # the rules apply to fields left empty too

    @field_validator("strengths", "areas")
    @classmethod
    def _written(cls, value: str) -> str:
        if not value:
            raise ValueError("Please write this before submitting")
        return value

    @field_validator("action_1_date", "action_2_date", "action_3_date", mode="after")
    @classmethod
    def _dated(cls, value: date | None, info: ValidationInfo) -> date | None:
        slot = (info.field_name or "").removesuffix("_date")
        if info.data.get(slot) and value is None:
            raise ValueError("Give the action a target date")
        if value is not None and not info.data.get(slot):
            raise ValueError("Describe the action, or clear its date")
        return value


class CheckedVersion(ObservationRef):
    """Pass or Return: when the report the card showed was submitted (absent on cards from
    before it), so that a report corrected since is read before it is passed or returned."""

    submitted: datetime | None = None


class CheckForm(CheckedVersion):
    comment: str = Field(default="", max_length=1000)


class ReturnForm(CheckedVersion):
    comment: Annotated[str, written("Tell the observer what to correct")] = Field(
        min_length=1, max_length=1000
    )


class ActionRef(BaseModel):
    action_id: int


class ActionOutcomeForm(ActionRef):
    """The outcome input is named after its action (`outcome_{id}`), one card holding several."""

    outcome: Annotated[str, written("Write what happened")] = Field(min_length=1, max_length=1000)

    @model_validator(mode="before")
    @classmethod
    def _named(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("outcome"):  # missing or empty alike
            data = {**data, "outcome": data.get(f"outcome_{data.get('action_id')}", "")}
        return data


class CoursePickForm(BaseModel):
    course_id: Annotated[int, chosen("Choose a course")]


class InductionForm(BaseModel):
    tutor_id: int
    done: list[str] = []
    # What the card showed ticked (None: a card from before it said): only those are unticked.
    shown: list[str] | None = None

    @field_validator("shown", mode="before")
    @classmethod
    def _shown(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("done", mode="before")
    @classmethod
    def _keys(cls, value: object) -> object:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list):
            known = {i.key for i in induction_items()}
            unknown = [str(v) for v in value if str(v) not in known]
            if unknown:  # an old or hand-made card: saving the rest would untick the others
                raise ValueError(f"Not on the checklist: {', '.join(unknown)}")
        return value or []
