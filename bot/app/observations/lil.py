"""Learning in Libraries (seed 002): each observer takes a number of tutors and picks the courses
they can observe from the EBS course list; the tutor is asked to accept the course's date."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.app.context import HandlerContext
from bot.app.form_fields import whole_number
from bot.app.observations import schedule
from bot.app.observations.forms import CoursePickForm
from bot.app.observations.lifecycle import apply, name_of, said_name, when, with_people
from bot.app.router import CardAction
from bot.app.turn import Reply
from bot.domain.access import Permission, Role
from bot.domain.local_time import at_london, london_day
from bot.domain.observations import (
    Move,
    MoveRefused,
    ObservationState,
    academic_year,
    parse_course_csv,
)
from cards.base import said
from cards.observations import (
    Button,
    ImportView,
    LilView,
    import_result_card,
    lil_card,
    message_card,
)
from storage.observations import LilCourse, Observations

S = ObservationState
ONLY_COORDINATORS = "Sorry, only the development or quality coordinator can do that."


def _year(ctx: HandlerContext) -> str:
    return academic_year(london_day(ctx.services.clock.now()))


async def courses(ctx: HandlerContext) -> Reply:
    if ctx.turn.files:
        return await import_courses(ctx)
    return await _show(ctx)


async def open_lil(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    return await _show(ctx)


async def _view(ctx: HandlerContext) -> LilView:
    repo = Observations(ctx.uow.session)
    org, year = ctx.turn.org_id, _year(ctx)
    quota = await repo.quota(org, year, ctx.person.id)
    picked = await repo.lil_picked(org, year, ctx.person.id)
    options = [
        (
            f"{c.code} {c.title} · {name_of(tutor)}"
            + (f" · {when(c.starts_at, c.ends_at)}" if c.starts_at else ""),
            str(c.id),
        )
        for c, tutor in (await repo.open_courses(org, year))[:100]
        if tutor.id != ctx.person.id
    ]
    return LilView(
        year=year,
        quota=quota.quota if quota else 0,
        picked=picked,
        courses=options,
        can_set_quotas=ctx.can(Permission.ALLOCATE_LIL),
    )


async def _show(ctx: HandlerContext) -> Reply:
    if not (ctx.can(Permission.PICK_LIL_COURSE) or ctx.can(Permission.ALLOCATE_LIL)):
        return Reply.text("Sorry, Learning in Libraries allocation is for observers.")
    return Reply.show(lil_card(await _view(ctx)))


async def redisplay_pick(ctx: HandlerContext, _: dict[str, Any], errors: dict[str, str]) -> Reply:
    return Reply.update(lil_card(await _view(ctx), errors))


async def pick(ctx: HandlerContext, form: CoursePickForm) -> Reply:
    """An observer takes a course's tutor: the observation is theirs, the course date proposed."""
    if not ctx.can(Permission.PICK_LIL_COURSE):
        return Reply.text("Sorry, only observers pick courses.")
    now = ctx.services.clock.now()
    org, year = ctx.turn.org_id, _year(ctx)
    repo = Observations(ctx.uow.session)
    course = await repo.course(org, form.course_id)
    view = await _view(ctx)
    if course is None or course.observation_id is not None:
        return Reply.update(lil_card(view, {"course_id": "Someone has just picked that course."}))
    if course.tutor_id == ctx.person.id:  # left off the list; an old or hand-made card
        return Reply.update(lil_card(view, {"course_id": "You cannot observe yourself."}))
    if view.picked >= view.quota:  # the card says why: none given yet, or all picked
        return Reply.update(lil_card(view, {"course_id": "Nothing was picked."}))
    obs = await repo.for_tutor(org, course.tutor_id, year)
    if obs is None:
        obs = await repo.create(org, course.tutor_id, year, S.UNALLOCATED, now, kind="lil")
    loaded = await with_people(ctx.uow.session, obs)
    try:
        await apply(
            ctx.uow.session, ctx.actor, loaded, Move.PICK_COURSE, now, f"course {course.code}"
        )
    except MoveRefused:
        return Reply.update(lil_card(view, {"course_id": "That tutor already has an observer."}))
    obs.kind = "lil"
    obs.observer_id = ctx.person.id
    # Observing rests on the observer role, as for an allocation (a revoke ends it).
    await ctx.directory.grant(ctx.person, Role.OBSERVER, ctx.person.id, now, "picked a LiL course")
    obs.course = f"{course.code} {course.title}".strip()
    obs.lil_course_id = course.id
    course.observation_id = obs.id
    loaded = await with_people(ctx.uow.session, obs)
    if course.starts_at is not None and course.ends_at is not None and course.starts_at > now:
        await propose_course_date(ctx, loaded.obs.id, course, now)
        after = (
            f"{name_of(loaded.tutor)} is asked to accept {when(course.starts_at, course.ends_at)}."
        )
    else:
        await schedule.tell(
            ctx.uow.session,
            obs,
            f"allocated:{ctx.person.id}",
            schedule.ALLOCATED,
            ctx.person.id,
            now,
            now,
        )
        after = "Propose a date to the tutor from the card I'm sending you."
    return Reply.update(
        message_card(
            f"You're observing {said_name(loaded.tutor)}",
            [obs.course, after],
            [Button("Open the observation", "otla.open", {"observation_id": obs.id}, primary=True)],
        )
    )


async def propose_course_date(
    ctx: HandlerContext, observation_id: int, course: LilCourse, now: datetime
) -> None:
    from bot.app.observations.dates import record_proposal

    assert course.starts_at is not None and course.ends_at is not None
    await record_proposal(
        ctx,
        observation_id,
        f"{course.code} {course.title}".strip(),
        course.starts_at,
        course.ends_at,
        course.venue,
        now,
    )


async def import_courses(ctx: HandlerContext) -> Reply:
    """The EBS course list: code, title, tutor_email, venue, date, start_time, end_time."""
    if not ctx.can(Permission.ALLOCATE_LIL):
        return Reply.text(ONLY_COORDINATORS)
    content = await ctx.sent_list(
        "observe courses",
        "Send the course list as a CSV or Excel (.xlsx) file with the words **observe courses**.",
    )
    if isinstance(content, Reply):
        return content
    rows, problems = parse_course_csv(content)
    found = [(p.line, p.message) for p in problems]
    org, year = ctx.turn.org_id, _year(ctx)
    repo = Observations(ctx.uow.session)
    saved = 0
    for row in rows:
        tutor = await ctx.directory.person_by_email(org, row.tutor_email)
        if tutor is None:
            found.append((row.line, f"{row.tutor_email} is not on the tutor list"))
            continue
        course = await repo.course_by_code(org, year, row.code)
        if course is None:
            course = LilCourse(org_id=org, academic_year=year, code=row.code, tutor_id=tutor.id)
            repo.add_course(course)
        course.title, course.venue, course.tutor_id = row.title, row.venue, tutor.id
        course.starts_at = at_london(row.day, row.start) if row.day and row.start else None
        course.ends_at = at_london(row.day, row.end) if row.day and row.end else None
        saved += 1
    await ctx.directory.audit(
        org,
        ctx.person.id,
        "lil-courses",
        "import",
        f"{saved} courses, {len(found)} problems",
        ctx.services.clock.now(),
    )
    return Reply.show(
        import_result_card(ImportView("Course list saved", saved, "Courses", sorted(found)))
    )


async def quota(ctx: HandlerContext, words: list[str]) -> Reply:
    """`observe quota name@college.ac.uk 5`: that observer takes 5 Learning-in-Libraries tutors."""
    if not ctx.can(Permission.ALLOCATE_LIL):
        return Reply.text(ONLY_COORDINATORS)
    wanted = whole_number(words[1]) if len(words) == 2 else None
    if wanted is None or "@" not in words[0]:
        return Reply.text("Usage: **observe quota name@college.ac.uk 5**")
    now = ctx.services.clock.now()
    observer = await ctx.directory.person_by_email(ctx.turn.org_id, words[0])
    if observer is None:
        return Reply.text("Nobody with that email yet: ask them to say hello to me first.")
    number = min(wanted, 200)
    await Observations(ctx.uow.session).set_quota(
        ctx.turn.org_id, _year(ctx), observer.id, number, now
    )
    await ctx.directory.grant(
        observer, Role.OBSERVER, ctx.person.id, now, "Learning in Libraries quota"
    )
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.person.id, f"person:{observer.id}", "lil quota", str(number), now
    )
    return Reply.text(
        f"{said(name_of(observer))} takes {number} Learning in Libraries tutor(s) this year."
    )


ROWS: tuple[CardAction, ...] = (
    # The open courses name their tutors: never posted in a shared place.
    CardAction("otla.lil.open", open_lil, idempotent=False),
    CardAction("otla.lil.pick", pick, form=CoursePickForm, redisplay=redisplay_pick),
)
