"""Mentoring and coaching rules (seed 003), without I/O."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain import mentoring as rules
from bot.domain.access import Actor, Permission, Role, can

TODAY = date(2026, 11, 23)


def offer(
    pid: int,
    name: str,
    specs: tuple[str, ...],
    campus: str = "Hitchin",
    style: str | None = "practical",
    capacity: int = 2,
    mentees: int = 0,
) -> rules.MentorOffer:
    return rules.MentorOffer(pid, name, specs, campus, style, capacity, mentees)


def test_appendix_5_is_the_template_in_the_colleges_words() -> None:
    t = rules.template()
    assert any("20 hours per year, per mentee" in line for line in t.organisation_agrees)
    assert any("three SMART" in line for line in t.mentor_agrees)
    assert "To evaluate the mentor's observations" in t.mentee_agrees
    assert "appendix 5" in t.source


def test_review_points_initial_then_january_and_april() -> None:
    points = rules.review_points(TODAY)
    assert [(p.key, p.due) for p in points] == [
        ("initial", date(2027, 1, 11)),
        ("january", date(2027, 1, 15)),
        ("april", date(2027, 4, 15)),
    ]
    later = rules.review_points(date(2027, 2, 1))
    assert [p.due for p in later] == [date(2027, 3, 22), date(2027, 4, 15), date(2028, 1, 15)]


def test_a_late_autumn_starts_reports_are_the_coming_january_and_april() -> None:
    """A December start's January report fell 13 months out (2028): it had to come after the
    initial review, which a start after mid-November puts past 15 January. Each report is the
    first of its date after the start (appendix 5: reports in January and April)."""
    assert [(p.key, p.due) for p in rules.review_points(date(2026, 12, 1))] == [
        ("january", date(2027, 1, 15)),
        ("initial", date(2027, 1, 19)),
        ("april", date(2027, 4, 15)),
    ]
    assert [(p.key, p.due) for p in rules.review_points(date(2026, 12, 31))] == [
        ("january", date(2027, 1, 15)),
        ("initial", date(2027, 2, 18)),
        ("april", date(2027, 4, 15)),
    ]
    nov = {p.key: p.due for p in rules.review_points(date(2026, 11, 30))}
    assert nov == {
        "initial": date(2027, 1, 18),
        "january": date(2027, 1, 15),
        "april": date(2027, 4, 15),
    }
    # Late February: the initial review lands on 15 April; April's report is that April's.
    feb = {p.key: p.due for p in rules.review_points(date(2027, 2, 25))}
    assert feb["april"] == date(2027, 4, 15) and feb["january"] == date(2028, 1, 15)


def test_every_report_falls_within_a_year_of_any_start() -> None:
    start = date(2026, 1, 1)
    while start < date(2029, 1, 1):
        for point in rules.review_points(start):
            assert start < point.due <= start + timedelta(days=366), (start, point)
        start += timedelta(days=1)


def test_smart_objective_problems() -> None:
    ok = rules.objective_problems(
        "Plan three practical maths starters for level 2",
        "3 starters used",
        date(2027, 2, 1),
        TODAY,
    )
    assert ok == {}
    bad = rules.objective_problems("Improve maths", "it goes well", TODAY, TODAY)
    assert set(bad) == {"what", "measure", "by"}
    assert rules.objective_problems("", "", None, TODAY).keys() == {"what", "measure", "by"}


def test_suggestions_never_include_the_chain_the_full_or_the_unrelated() -> None:
    offers = [
        offer(1, "Amy", ("Maths",)),
        offer(2, "Ben", ("Numeracy",), campus="Stevenage", style="classroom"),
        offer(3, "Mia", ("Maths",)),  # his line manager
        offer(4, "Full", ("Maths",), capacity=1, mentees=1),
        offer(5, "Eve", ("English",)),
    ]
    mentee = rules.Mentee(9, "Hitchin", "practical", frozenset({3}))
    found = rules.suggest("maths", offers, mentee)
    assert [s.offer.name for s in found] == ["Amy", "Ben"]  # numeracy is maths; same campus first
    assert "also at Hitchin" in found[0].reasons
    assert len(rules.suggest("", [offer(i, f"P{i}", ("Art",)) for i in range(10)], mentee)) == 5


def test_nearest_specialisms_and_external_mentors() -> None:
    assert rules.nearest_specialisms("plumbng", ["Plumbing and heating", "Maths"])[0] == (
        "Plumbing and heating"
    )
    offered = ["Maths", "functional skills maths", "Construction"]
    assert rules.nearest_specialisms("English", offered) == []  # no near miss: nothing offered
    assert rules.nearest_specialisms("physics", offered) == []
    assert rules.nearest_specialisms("Englsh", [*offered, "English"]) == ["English"]
    ext = [
        rules.ExternalMentor("CETT", "brokerage", ("any",), "x@example"),
        rules.ExternalMentor("College B", "partner college", ("Art",), "y@example"),
    ]
    assert [e.name for e in rules.external_for("plumbing", ext)] == ["CETT"]


def test_management_chain_walks_up_and_stops_at_loops() -> None:
    managers = {"tom@x": "mia@x", "mia@x": "hal@x", "hal@x": "tom@x"}
    assert rules.management_chain("tom@x", managers) == ["mia@x", "hal@x"]
    assert rules.management_chain("amy@x", managers) == []


def test_coaching_models_grow_and_oskar() -> None:
    grow = rules.coaching_model("grow")
    oskar = rules.coaching_model("oskar")
    assert grow is not None and oskar is not None
    assert [s.label for s in grow.steps] == ["Goal", "Reality", "Options", "Will"]
    assert [s.label for s in oskar.steps] == ["Outcome", "Scaling", "Know-how", "Affirm + action"]
    assert oskar.review is not None and oskar.steps[1].scale and grow.steps[-1].actions
    assert rules.scale_change(3, 6) == "up 3 (from 3 to 6)"
    assert rules.parse_scale("11") is None and rules.parse_scale("0") == 0


def test_progress_bar_and_draft_review() -> None:
    assert rules.progress_bar(40) == "▰▰▰▰▱▱▱▱▱▱ 40%"
    objective = rules.Objective("Plan starters", "3 used", date(2027, 2, 1))
    meeting = rules.LoggedMeeting(date(2026, 11, 23), "Starters", {1: "Try one"}, {1: 40})
    lines = rules.draft_review("Initial review", [objective], [meeting])
    assert "1 meeting logged" in lines[0]
    assert "Progress 40%" in lines[1] and "Try one" in lines[1]


def test_the_readme_command_list_names_every_listed_command() -> None:
    from pathlib import Path

    from bot.app.commands import build_router

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    router, _ = build_router()
    for command in router.listed():
        assert f"`{command.word}" in section, command.word


def test_the_manifest_menu_offers_mentor_and_coach_and_help_lists_agreement() -> None:
    """Point 7: the 1:1 menu (Teams shows ten) offers `mentor` and `coach`; `agreement`, reached
    from `mentor`'s own buttons, is in no menu but is listed by `help` and in the README."""
    from pathlib import Path

    from bot.app.commands import build_router
    from bot.teams.manifest import load_template

    lists = load_template()["bots"][0]["commandLists"]
    menus = {s: [c["title"] for c in e["commands"]] for e in lists for s in e["scopes"]}
    assert {"mentor", "coach"} <= set(menus["personal"])
    assert not {"mentor", "agreement", "coach"} & set(menus["team"] + menus["groupChat"])
    router, _ = build_router()
    assert {"mentor", "agreement", "coach"} <= {c.word for c in router.listed("personal")}
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for words in ("`mentor`", "`agreement`", "`coach grow`", "`coach oskar`", "`coach review`"):
        assert words in readme


def test_the_mentor_is_in_a_relationship_only_while_it_is_open() -> None:
    """The confidentiality matrix's last phase, as the one permission function sees it: once a
    relationship has ended its records stay with the mentee, and the mentor's view ends with
    it. Nobody else ever reads them, whatever their role."""
    mentee, mentor = Actor(1, "org"), Actor(2, "org")
    others = [Actor(3, "org", frozenset(Role)), Actor(4, "org", frozenset({Role.TUTOR}))]
    read, write = Permission.READ_MENTORING, Permission.WRITE_MENTORING
    for state in rules.OPEN_STATES:
        subject = rules.relationship_subject("org", 1, 2, state, line_manager_ids=frozenset({3}))
        for who in (mentee, mentor):
            assert can(who, read, subject) and can(who, write, subject), (state, who)
        assert not any(can(o, read, subject) for o in others), state
    for state in (rules.DECLINED, rules.NOT_A_FIT, rules.ENDED, rules.WITHDRAWN):
        subject = rules.relationship_subject("org", 1, 2, state, line_manager_ids=frozenset({3}))
        assert can(mentee, read, subject), state
        assert not can(mentor, read, subject) and not can(mentor, write, subject), state
        assert not any(can(o, p, subject) for o in others for p in (read, write)), state
    # A review's recipients read the report the mentee agreed to send them, even once it ended.
    sent = rules.relationship_subject("org", 1, 2, rules.ENDED, shared_with=frozenset({4}))
    assert can(others[1], read, sent) and not can(mentor, read, sent)


def test_a_mentor_who_came_into_the_mentees_management_chain_reads_and_writes_nothing() -> None:
    """Mentoring stays apart from line management: once the mentor is in the mentee's chain
    (a tutor list made them the line manager, or their manager's manager), the open
    relationship's records are closed to them; the mentee keeps reading and writing, and a
    review the mentee agreed to send them still reaches them as a recipient."""
    mentee, mentor = Actor(1, "org"), Actor(2, "org")
    read, write = Permission.READ_MENTORING, Permission.WRITE_MENTORING
    for state in rules.OPEN_STATES:
        subject = rules.relationship_subject("org", 1, 2, state, line_manager_ids=frozenset({2}))
        assert not can(mentor, read, subject) and not can(mentor, write, subject), state
        assert can(mentee, read, subject) and can(mentee, write, subject), state
        assert can(mentor, Permission.SEE_MENTORING_EXISTS, subject), state  # as their manager
    shared = rules.relationship_subject(
        "org", 1, 2, rules.ACTIVE, line_manager_ids=frozenset({2}), shared_with=frozenset({2})
    )
    assert can(mentor, read, shared) and not can(mentor, write, shared)


def test_an_ended_relationship_is_closed_to_every_write_and_still_read_by_the_mentee() -> None:
    """Once a relationship has ended nobody writes to it, the mentee included (no meeting,
    observation, change to the agreement, review drafted or sent on); the mentee still reads
    it, and that it existed is still theirs to see."""
    mentee, mentor = Actor(1, "org"), Actor(2, "org")
    read, write = Permission.READ_MENTORING, Permission.WRITE_MENTORING
    for state in rules.OPEN_STATES:
        subject = rules.relationship_subject("org", 1, 2, state)
        assert not subject.closed and can(mentee, write, subject), state
    for state in (rules.DECLINED, rules.NOT_A_FIT, rules.ENDED, rules.WITHDRAWN):
        subject = rules.relationship_subject("org", 1, 2, state)
        assert subject.closed, state
        assert can(mentee, read, subject) and not can(mentee, write, subject), state
        assert can(mentee, Permission.SEE_MENTORING_EXISTS, subject), state
        assert not can(mentor, write, subject), state
