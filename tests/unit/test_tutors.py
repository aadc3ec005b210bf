"""Line managers on the tutor list that look like a slip of the keyboard, and those that don't."""

from __future__ import annotations

from bot.domain.tutors import parse_tutor_csv, slips_in_line_managers


def _slips(lines: str, met: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    parsed = parse_tutor_csv("name,email,line_manager_email\n" + lines)
    assert not parsed.problems, parsed.problems
    return slips_in_line_managers(parsed.rows, met)


def test_two_managers_with_close_addresses_named_as_often_are_both_left_alone() -> None:
    """Jon and Jan are both real: neither is named more often, nor met, so neither is a slip."""
    assert _slips("A,a@c.ac.uk,jon@c.ac.uk\nB,b@c.ac.uk,jan@c.ac.uk\n") == []


def test_a_manager_who_is_a_tutor_on_the_list_or_met_is_not_a_slip() -> None:
    listed = "A,a@c.ac.uk,mia@c.ac.uk\nB,b@c.ac.uk,mia@c.ac.uk\nMie,mie@c.ac.uk,\nC,c@c.ac.uk,mie@c.ac.uk\n"
    assert _slips(listed) == []
    assert _slips("A,a@c.ac.uk,mia@c.ac.uk\n", met=frozenset({"mia@c.ac.uk", "mai@c.ac.uk"})) == []


def test_the_rarer_of_two_close_addresses_and_an_unknown_domain_are_slips() -> None:
    listed = (
        "A,a@college.ac.uk,mia@college.ac.uk\n"
        "B,b@college.ac.uk,mia@college.ac.uk\n"
        "C,c@college.ac.uk,mia@colege.ac.uk\n"
        "D,d@college.ac.uk,dan@colleg.ac.uk\n"
        "E,e@college.ac.uk,eve@partner.org.uk\n"  # another domain, close to nobody's: left alone
    )
    assert _slips(listed) == [
        ("dan@colleg.ac.uk", "dan@college.ac.uk"),
        ("mia@colege.ac.uk", "mia@college.ac.uk"),
    ]
