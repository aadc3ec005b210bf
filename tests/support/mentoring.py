"""A mentoring agreement as a mentee fills it in (issue 9): test_mentoring, and the support
access matrix that agrees one too."""

from __future__ import annotations

GOOD = {
    "mentee_job_title": "Lecturer in construction",
    "mentee_institution": "North Herts College",
    "mentee_specialism": "Construction maths",
    "mentor_agrees": "To maintain appropriate confidentiality about mentoring discussions\n"
    "To agree at least three SMART subject specific objectives with the mentee",
    "mentee_agrees": "To keep the mentor informed about his/her teaching",
    "organisation_agrees": "To give the mentor a minimum of 20 hours per year, per mentee",
    "objective_1_what": "Plan three practical maths starters for my level 2 bricklayers",
    "objective_1_measure": "3 starters used and observed once",
    "objective_1_by": "2027-02-12",
    "objective_2_what": "Use mini whiteboards to check area calculations every session",
    "objective_2_measure": "Used in 8 sessions, noted in my plans",
    "objective_2_by": "2027-03-19",
    "objective_3_what": "Observe Ben teaching functional skills maths and adapt one idea",
    "objective_3_measure": "One observation, one adapted resource in my scheme of work",
    "objective_3_by": "2027-04-30",
    "meeting": "Every other Tuesday 4pm, Hitchin staff room",
    "meet_every_weeks": "4",
    "review_initial": "2026-12-07",
    "review_january": "2027-01-15",
    "review_april": "2027-04-15",
    "recipients": "olly@college.ac.uk",
}
