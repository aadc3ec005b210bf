"""The themes and completion workbook: themes with a native bar chart, the CPD they point to,
best-practice examples, walk completion per tutor per term and OTLA stage (coloured by status),
and the team x status grid. Only what the reader may see goes in: tutors by name only where they
may read their records, counts as the card shows them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from types import MappingProxyType

from bot.app import xlsx
from bot.domain.quality import (
    WALK_COLUMNS,
    WALK_LABELS,
    CompletionGrid,
    OtlaStage,
    ThemesPicture,
    TutorStanding,
)
from bot.domain.terms import Term
from bot.domain.walks import WalkStatus

STATUS_COLOURS = MappingProxyType(
    {
        WALK_LABELS[WalkStatus.DONE]: "#C6EFCE",
        WALK_LABELS[WalkStatus.OUTSTANDING]: "#FFC7CE",
        WALK_LABELS[WalkStatus.NOT_EXPECTED]: "#EDEDED",
        OtlaStage.NO_OBSERVER.value: "#FFC7CE",
        OtlaStage.ALLOCATED.value: "#FFE0B2",
        OtlaStage.DATE_AGREED.value: "#FFEB9C",
        OtlaStage.REPORT_DUE.value: "#BBDEFB",
        OtlaStage.IN_CHECKING.value: "#E1BEE7",
        OtlaStage.APPROVED.value: "#C6EFCE",
    }
)
OTLA_HEADER = "OTLA stage"


def themes_sheet(picture: ThemesPicture) -> xlsx.Sheet:
    areas = {t.key: n for t, n in picture.areas}
    strengths = {t.key: n for t, n in picture.strengths}
    themes = {t.key: t for t, _ in (*picture.strengths, *picture.areas)}
    order = sorted(themes, key=lambda k: (-strengths.get(k, 0) - areas.get(k, 0), themes[k].label))
    rows: list[list[xlsx.Cell]] = [
        [themes[k].label, strengths.get(k, 0), areas.get(k, 0), themes[k].cpd] for k in order
    ]
    return xlsx.Sheet(
        "Themes",
        ("Theme", "Strengths", "Areas to develop", "CPD it points to"),
        rows,
        chart=xlsx.Chart("Strengths and areas to develop", ("Strengths", "Areas to develop")),
    )


def quality_workbook(
    period: str,
    picture: ThemesPicture,
    tutors: Sequence[TutorStanding],
    terms: Sequence[Term],
    grid: CompletionGrid,
    *,
    organisation: str = "",
    prepared_by: str = "",
    on: date | None = None,
) -> bytes:
    cpd: list[list[xlsx.Cell]] = [[n.cpd, n.count, "; ".join(n.themes)] for n in picture.cpd]
    best: list[list[xlsx.Cell]] = [
        [t.label, e.title, e.day]
        for t, _ in picture.strengths
        for e in picture.examples.get(t.key, ())
    ]
    term_headers = [t.label for t in terms]
    people: list[list[xlsx.Cell]] = [
        [
            t.name,
            t.campus,
            ", ".join(t.teams),
            "yes" if t.learning_in_libraries else "no",
            *(WALK_LABELS[t.walks.get(term.key, WalkStatus.NOT_EXPECTED)] for term in terms),
            t.otla.value,
        ]
        for t in sorted(tutors, key=lambda t: (t.name.casefold(), t.tutor_id))
    ]
    grid_rows: list[list[xlsx.Cell]] = [
        [row.group, *row.walks, *row.otla, row.tutors]
        for row in (*grid.rows, *([grid.lil] if grid.lil else []))
    ]
    return xlsx.prepared_workbook(
        f"Themes and completion, {period}",
        themes_sheet(picture),
        xlsx.Sheet("CPD needs", ("CPD", "Areas to develop", "Themes"), cpd),
        xlsx.Sheet("Best practice", ("Theme", "Where", "Date"), best),
        xlsx.Sheet(
            "Completion by tutor",
            ("Tutor", "Campus", "Teams", "Learning in Libraries", *term_headers, OTLA_HEADER),
            people,
            colours=xlsx.Colours((*term_headers, OTLA_HEADER), STATUS_COLOURS),
        ),
        xlsx.Sheet(
            "Completion by team",
            (
                "Team",
                *(f"Walks: {WALK_LABELS[s]}" for s in WALK_COLUMNS),
                *(f"OTLA: {s.value}" for s in OtlaStage),
                "Tutors",
            ),
            grid_rows,
        ),
        group="Learning walks and approved OTLA reports",
        organisation=organisation,
        prepared_by=prepared_by,
        on=on,
        notes=(
            "Counts from records you may not open are included only where at least 5 "
            "of them share a line; those records are never listed.",
            "Learning-in-Libraries tutors are not expected to have a walk each term.",
            "A walk that visited several tutors counts for each of them.",
        ),
    )
