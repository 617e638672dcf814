"""The API's tables (SQLAlchemy 2.0 declarative). The schema itself is made by Alembic."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, MetaData, String, Text, UniqueConstraint, func, text as sql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

bigint_pk = Annotated[int, mapped_column(BigInteger, primary_key=True, autoincrement=True)]
created_at = Annotated[datetime, mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)]
exercise_ref = Annotated[str, mapped_column(String(100), nullable=False)]
user_ref = Annotated[int, mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSONB, list[Any]: JSONB}


class User(Base):
    """A Hub user the API has seen; the Hub stays the source of truth for who they are."""

    __tablename__ = "users"

    id: Mapped[bigint_pk]
    name: Mapped[str] = mapped_column(String(255), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="student")
    created_at: Mapped[created_at]
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Submission(Base):
    """One graded attempt, stored exactly once per (user, idempotency key)."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_submissions_user_key"),
        Index("ix_submissions_user_created", "user_id", "id"),
    )

    id: Mapped[bigint_pk]
    user_id: Mapped[user_ref]
    exercise_id: Mapped[exercise_ref]
    exercise_version: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    passed: Mapped[bool]
    score: Mapped[float]
    results: Mapped[list[Any]]
    message: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[float]
    hint_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[created_at]


class HintEvent(Base):
    """A hint a student received: which rung of which exercise, from which source."""

    __tablename__ = "hint_events"
    __table_args__ = (Index("ix_hint_events_user_exercise", "user_id", "exercise_id"),)

    id: Mapped[bigint_pk]
    user_id: Mapped[user_ref]
    exercise_id: Mapped[exercise_ref]
    rung: Mapped[int]
    source: Mapped[str] = mapped_column(String(20), default="ladder")
    # what a model wrote for a hint beyond the ladder ('' for authored rungs): the leak filter judges it with later answers
    text: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[created_at]


class LearnerProfile(Base):
    """What a student told us at onboarding: level, topics of interest, time zone."""

    __tablename__ = "learner_profiles"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    topics: Mapped[list[Any]]
    timezone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PlacementCheck(Base):
    """A student's placement check at onboarding (api/learner/placement.py): when it ran and each answer's verdicts."""

    __tablename__ = "placement_checks"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # [{"question": id, "correct": [bool per printed line], "at": iso time}], in the order asked
    answers: Mapped[list[Any]]


class Skill(Base):
    """One belief of the skill model (api/learner/skills.py) for a student and topic."""

    __tablename__ = "skills"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    mean: Mapped[float]
    var: Mapped[float]
    attempts: Mapped[int] = mapped_column(default=0)
    successes: Mapped[int] = mapped_column(default=0)
    # the floor of the estimate a student is shown, raised at each solve (SkillState.note_solve)
    shown_floor: Mapped[float | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ExerciseRating(Base):
    """An exercise's difficulty as the class's first attempts show it (the item side of Elo).

    Each test of an exercise is rated here too, under `key_of_test` ("exercise-id#hash").
    """

    __tablename__ = "exercise_ratings"

    exercise_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    mean: Mapped[float]
    var: Mapped[float]
    attempts: Mapped[int] = mapped_column(default=0)
    successes: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ActivityDay(Base):
    """A day (in the student's time zone) on which a student submitted work."""

    __tablename__ = "activity_days"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    submissions: Mapped[int] = mapped_column(default=0)
    solved: Mapped[int] = mapped_column(default=0)


class Badge(Base):
    """A badge a student earned; each badge is awarded at most once per student."""

    __tablename__ = "badges"
    __table_args__ = (UniqueConstraint("user_id", "badge", name="uq_badges_user_badge"),)

    id: Mapped[bigint_pk]
    user_id: Mapped[user_ref]
    badge: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    submission_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("submissions.id", ondelete="SET NULL"))
    awarded_at: Mapped[created_at]


class CourseAssignment(Base):
    """An exercise an instructor pinned to a day for a Hub group, with an optional due time."""

    __tablename__ = "course_assignments"
    __table_args__ = (UniqueConstraint("group_name", "exercise_id", "day"),)

    id: Mapped[bigint_pk]
    group_name: Mapped[str] = mapped_column(String(255))
    exercise_id: Mapped[exercise_ref]
    day: Mapped[date] = mapped_column(Date, index=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[created_at]


class DailyAssignment(Base):
    """The exercises chosen for a student on a day, stored so the choice never changes that day."""

    __tablename__ = "daily_assignments"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[exercise_ref]
    review: Mapped[bool] = mapped_column(default=False)
    predicted: Mapped[float]
    # set when the exercise was pinned by an instructor (not the adaptive choice): its due time applies
    assignment_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("course_assignments.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[created_at]


class TutorConversation(Base):
    """A student's conversation with the tutor about one exercise (one active at a time)."""

    __tablename__ = "tutor_conversations"
    __table_args__ = (Index("ix_tutor_conversations_user_exercise", "user_id", "exercise_id", "id"),)

    id: Mapped[bigint_pk]
    user_id: Mapped[user_ref]
    exercise_id: Mapped[exercise_ref]
    active: Mapped[bool] = mapped_column(default=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    message_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TutorDisclosure(Base):
    """A model-written tutor answer, kept apart from its conversation for the leak filter.

    The filter judges each new answer on an exercise with everything models told the student
    about it before, so a solution handed out in pieces is caught at the piece that completes
    it. Deleting a conversation does not wipe that memory; it is kept for
    `Retention.conversation_days`, is in the student's export and goes with their account.
    `touches`: the other exercises of whose reference solution the text holds a piece (the
    filter adds it to what the student got of them, so pieces asked for under different
    exercises add up).
    """

    __tablename__ = "tutor_disclosures"
    __table_args__ = (
        Index("ix_tutor_disclosures_user_exercise", "user_id", "exercise_id"),
        Index("ix_tutor_disclosures_touching", "user_id", postgresql_where=sql("touches <> '[]'::jsonb")),
    )

    id: Mapped[bigint_pk]
    user_id: Mapped[user_ref]
    exercise_id: Mapped[exercise_ref]
    text: Mapped[str] = mapped_column(Text)
    touches: Mapped[list[Any]] = mapped_column(server_default=sql("'[]'::jsonb"), default=list)
    created_at: Mapped[created_at]


class TutorMessage(Base):
    """One turn of a conversation: the student's question or the tutor's answer."""

    __tablename__ = "tutor_messages"
    __table_args__ = (Index("ix_tutor_messages_conversation", "conversation_id", "id"),)

    id: Mapped[bigint_pk]
    conversation_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tutor_conversations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[created_at]


class LLMBudgetDay(Base):
    """One user's LLM spend for one day, in micro-dollars: reserved (in flight) and spent."""

    __tablename__ = "llm_budget_days"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_llm_budget_days_user_day"),)

    id: Mapped[bigint_pk]
    user_id: Mapped[user_ref]
    day: Mapped[date] = mapped_column(Date)
    reserved_micro: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_micro: Mapped[int] = mapped_column(BigInteger, default=0)


class LLMCost(Base):
    """The cost ledger: one row per paid provider call, reserved before it and settled after."""

    __tablename__ = "llm_costs"
    __table_args__ = (Index("ix_llm_costs_user_day", "user_id", "day"),)

    id: Mapped[bigint_pk]
    user_id: Mapped[user_ref]
    day: Mapped[date] = mapped_column(Date)
    role: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(40), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default="reserved")
    reserved_micro: Mapped[int] = mapped_column(BigInteger)
    cost_micro: Mapped[int] = mapped_column(BigInteger, default=0)
    input_tokens: Mapped[int] = mapped_column(default=0)
    output_tokens: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[created_at]
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DeletionRequest(Base):
    """A student's request that everything about them be deleted; an admin carries it out."""

    __tablename__ = "deletion_requests"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    requested_at: Mapped[created_at]


class AuditEvent(Base):
    """Who did what to whose data, when: append-only (a trigger refuses UPDATE and DELETE).

    Actor and subject are opaque users.id values without a foreign key: deleting a user keeps
    the events, and with the users row gone nothing in them names the person any more.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_user_id"),)

    id: Mapped[bigint_pk]
    at: Mapped[created_at]
    actor_user_id: Mapped[int | None] = mapped_column(BigInteger)  # None: the `codementor` command on the server
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    subject_user_id: Mapped[int | None] = mapped_column(BigInteger)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LtiEnrolment(Base):
    """A user's membership of an LMS course as their last LTI 1.3 launch from it said (api/lti/)."""

    __tablename__ = "lti_enrolments"
    __table_args__ = (UniqueConstraint("user_id", "issuer", "deployment_id", "context_id", name="uq_lti_enrolments_user_course"),)

    id: Mapped[bigint_pk]
    user_id: Mapped[user_ref]
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    deployment_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str] = mapped_column(String(255))
    context_title: Mapped[str] = mapped_column(String(255), default="")
    hub_group: Mapped[str] = mapped_column(String(255), index=True)
    lms_subject: Mapped[str] = mapped_column(String(255))  # the platform's `sub`: the score's userId
    role: Mapped[str] = mapped_column(String(20))
    lineitems_url: Mapped[str | None] = mapped_column(Text, nullable=True)  # AGS endpoint claim; None: no passback
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LtiLineItem(Base):
    """A gradebook column this tool found or created in a course (one per line items URL and item key)."""

    __tablename__ = "lti_line_items"
    __table_args__ = (UniqueConstraint("lineitems_url", "item_key", name="uq_lti_line_items_url_key"),)

    id: Mapped[bigint_pk]
    lineitems_url: Mapped[str] = mapped_column(Text)
    item_key: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]


class LtiScore(Base):
    """One score to post to an LMS gradebook: the passback queue and its log (never two rows for one column)."""

    __tablename__ = "lti_scores"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "item_key", name="uq_lti_scores_enrolment_item"),
        Index("ix_lti_scores_due", "status", "next_attempt_at"),
    )

    id: Mapped[bigint_pk]
    user_id: Mapped[user_ref]
    enrolment_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("lti_enrolments.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(120))  # exercise:<id>, day:<date> or week:<yyyy-Www>
    label: Mapped[str] = mapped_column(String(255))
    score_given: Mapped[float]
    score_maximum: Mapped[float]
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the score's AGS timestamp
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[created_at]


class BankVersion(Base):
    """A published state of the course banks: every course exercise's files as they last validated.

    The newest row is what every API worker serves (exercise_bank/courses.py); a worker hears of
    a new one on Redis and reads it here, and a worker that starts reads it too, so a change
    on disk never reaches students before it has validated. No foreign key to users: the
    publisher is an opaque users.id (None for the `codementor` command on the server)."""

    __tablename__ = "bank_versions"

    id: Mapped[bigint_pk]
    created_at: Mapped[created_at]
    published_by: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict[str, Any]] = mapped_column()
