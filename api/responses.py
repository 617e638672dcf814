"""What the API answers, as pydantic models: handlers write through them (api/contract.py) and the
OpenAPI document is generated from them, so the two cannot drift apart.

Keys a service leaves out stay out (answers are dumped with exclude_unset); a key a model does not
know fails the request in tests instead of going out undocumented (extra="forbid")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from .schemas import Topic

Moment = str  # ISO 8601 date or time as the services write it (isoformat)
Role = Literal["student", "instructor", "admin"]


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --- errors and meta -------------------------------------------------------------------------
class ErrorBody(Reply):
    code: str = Field(description="Machine-readable: invalid_request, unauthorized, forbidden, not_found, rate_limited, ...")
    message: str = Field(description="One line saying what to do next.")
    details: dict[str, Any]
    request_id: str = Field(description="The request's X-Request-ID (the caller's, or one the API made): quote it when reporting a problem.")


class ErrorEnvelope(Reply):
    """Every error the API sends."""

    error: ErrorBody


class Health(Reply):
    status: Literal["ok", "degraded"]
    database: str
    redis: str
    exercises: int
    bank_version: int = Field(default=0, description="Changes whenever the course bank publishes an exercise.")


class OpenAPIDocument(RootModel[dict[str, Any]]):
    """An OpenAPI 3.1 document."""


# --- the signed-in user ----------------------------------------------------------------------
class Me(Reply):
    name: str
    role: Role
    groups: list[str]
    onboarded: bool
    level: Literal["beginner", "intermediate", "advanced"] | None
    topics: list[str]
    timezone: str
    timezone_is_course_default: bool
    levels: list[str]
    topics_available: list[Topic]


# --- exercises and hints ---------------------------------------------------------------------
class ExerciseSummary(Reply):
    id: str
    title: str
    topic: str
    difficulty: str
    version: int
    estimated_minutes: int | float
    prerequisites: list[str]


class TodayItem(ExerciseSummary):
    review: bool
    predicted_success: float
    assigned: bool = Field(default=False, description="Pinned by an instructor's assignment.")
    due_at: Moment | None = None
    notebook: dict[str, Any] | None = Field(default=None, description="The student notebook (nbformat 4), with include=notebook.")


class Today(Reply):
    day: Moment
    timezone: str
    exercises: list[TodayItem]


class VisibleTest(Reply):
    name: str
    setup: str
    call: str
    check: str
    expect: Any


class ExerciseView(ExerciseSummary):
    """What a student may see of an exercise: no hidden tests, no solution, no hint text."""

    statement: str
    starter: str
    visible_tests: list[VisibleTest]
    hidden_test_count: int
    hint_count: int


class Notebook(RootModel[dict[str, Any]]):
    """The exercise as a student notebook (nbformat 4 JSON), with format=notebook."""


class ExerciseOrNotebook(RootModel[ExerciseView | Notebook]):
    """The student view, or with format=notebook the student notebook."""


class Hint(Reply):
    exercise_id: str
    rung: int
    of: int
    text: str
    source: str
    last: bool
    extra: bool = Field(default=False, description="Present (true) for a hint beyond the authored ladder.")


# --- submissions and progress ----------------------------------------------------------------
class TestOutcome(Reply):
    name: str
    hidden: bool
    passed: bool
    message: str = ""


class HiddenTests(Reply):
    """The hidden tests as a whole: how many passed, never which."""

    passed: int
    total: int
    all_passed: bool = Field(description="Every hidden test passed (true when the exercise has none).")


class SubmissionSummary(Reply):
    id: int
    exercise_id: str
    exercise_version: int
    status: Literal["graded", "load_error", "timeout", "crashed"]
    passed: bool
    score: float
    message: str | None
    tests: list[TestOutcome] = Field(description="The visible tests, one by one; the hidden ones are counted in hidden_tests.")
    hidden_tests: HiddenTests
    duration_ms: float | None
    hint_count: int | None
    created_at: Moment


class Submission(SubmissionSummary):
    code: str


class SkillSummary(Reply):
    topic: str
    level: float
    shown: float
    rating: float
    uncertainty: float
    attempts: int
    successes: int
    mastered: bool


class Badge(Reply):
    id: str
    title: str
    rule: str
    day: Moment | None = None
    awarded_at: Moment | None = None


class Streak(Reply):
    current: int
    longest: int
    active_today: bool


class ProgressChange(Reply):
    day: Moment
    streak: Streak
    skill: SkillSummary
    new_badges: list[Badge]


class GradedSubmission(Submission):
    """A submission graded and stored by this request, with the progress it made."""

    progress: ProgressChange


class SubmissionPage(Reply):
    items: list[SubmissionSummary]
    next_cursor: str | None


class TopicProgress(SkillSummary):
    solved: int


class Totals(Reply):
    submissions: int
    solved: int
    topics_solved: int
    active_days: int


class Progress(Reply):
    name: str
    timezone: str
    today: Moment
    streak: Streak
    skills: list[TopicProgress]
    badges: list[Badge]
    badges_to_earn: list[Badge]
    totals: Totals


class ActiveDay(Reply):
    day: Moment
    submissions: int
    solved: int
    badges: list[Badge]


class ProgressHistory(Reply):
    items: list[ActiveDay]
    next_cursor: str | None


# --- the tutor -------------------------------------------------------------------------------
class TutorAnswer(Reply):
    answer: str
    source: str = Field(description="offline, guardrail or the provider's name")
    cached: bool = False
    leak_blocked: bool = False
    model: str | None = None
    conversation_id: int | None = None
    hint_rung: int | None = Field(default=None, description="Set when the answer handed out the next authored hint (it counts as that hint).")


class Budget(Reply):
    role: Role
    day: Moment
    limit_usd: float
    spent_usd: float
    reserved_usd: float
    remaining_usd: float
    renews_in_s: int | float
    llm: bool


class Message(Reply):
    role: str
    content: str
    source: str | None
    created_at: Moment


class Conversation(Reply):
    id: int
    exercise_id: str
    active: bool
    message_count: int
    summary: str
    created_at: Moment
    updated_at: Moment
    messages: list[Message] | None = Field(default=None, description="In the single-conversation view only.")


class ConversationPage(Reply):
    items: list[Conversation]
    next_cursor: str | None


# --- the class (instructors) -----------------------------------------------------------------
class ClassScope(Reply):
    viewer: str
    groups: list[str] | Literal["all"]


class TodayAndWeek(Reply):
    today: int
    week: int


class ExerciseStats(Reply):
    exercise_id: str
    title: str
    submissions: int
    students_attempted: int
    students_passed: int
    pass_rate: float


class StreakCount(Reply):
    days: int
    students: int


class TutorUse(Reply):
    available: bool
    questions_today: int
    questions_week: int


class Spend(Reply):
    available: bool
    today: float
    week: float


class Overview(Reply):
    day: Moment
    time_zone: str
    scope: ClassScope
    students: int
    active_today: int
    window_days: int
    exercises: list[ExerciseStats]
    streaks: list[StreakCount]
    hints: TodayAndWeek
    submissions: TodayAndWeek
    tutor: TutorUse
    llm_cost_usd: Spend
    generated_at: Moment


class StuckRow(Reply):
    student: str
    exercise_id: str
    failures: int
    hints: int
    last_activity: Moment


class Stuck(Reply):
    since: Moment
    minutes: int
    thresholds: dict[Literal["failures", "hints"], int]
    items: list[StuckRow]


class StudentTotals(Reply):
    name: str
    submissions: int
    passed_exercises: int
    hints: int
    last_active: Moment | None


class StudentPage(Reply):
    items: list[StudentTotals]
    next_cursor: str | None


class TimelineEvent(Reply):
    kind: Literal["submission", "hint", "tutor"]
    id: int
    exercise_id: str
    at: Moment
    rung: int | None = None
    source: str | None = None
    question: str | None = None
    passed: bool | None = None
    score: float | None = None
    message: str | None = None


class Timeline(Reply):
    items: list[TimelineEvent]
    next_cursor: str | None


class TopicCounts(Reply):
    topic: str
    exercises: int
    attempted: int
    passed: int


class StudentDetail(Reply):
    name: str
    skills: list[TopicCounts]
    timeline: Timeline


class AttemptsToPass(Reply):
    attempts: int
    students: int


class CommonError(Reply):
    error: str
    count: int


class RungUse(Reply):
    rung: int
    students: int
    of: int


class ExerciseAcrossClass(Reply):
    exercise_id: str
    title: str
    topic: str
    difficulty: str
    students_attempted: int
    students_passed: int
    attempts_to_pass: list[AttemptsToPass]
    common_errors: list[CommonError]
    hint_rungs: list[RungUse]


class ExportRow(Reply):
    student: str
    exercise_id: str
    topic: str
    attempts: int
    passed: bool
    best_score: float
    first_passed_at: Moment | None
    last_submission_at: Moment
    hints: int
    due_at: Moment | None = None
    late: bool | None = None


class ClassExport(Reply):
    first: Moment = Field(alias="from")
    last: Moment = Field(alias="to")
    items: list[ExportRow]
    next_cursor: str | None


class Assignment(Reply):
    id: int
    group: str
    exercise_id: str
    day: Moment
    due_at: Moment | None


class AssignmentList(Reply):
    items: list[Assignment]


# --- personal data ---------------------------------------------------------------------------
class DeletionRequested(Reply):
    requested_at: Moment
    next: str


class Erased(Reply):
    user_id: int
    rows: dict[str, int] = Field(description="Rows deleted, per table.")
    cached_answers: int
    redis_keys: int = Field(description="Keys deleted from Redis that name the user: rate-limit windows, daily caps, idempotency marks.")
    redis_left: str | None = Field(None, description="Set when Redis did not answer after the rows were deleted: what stays, in one line.")
    hub_user: str
    host: str


class OpenDeletionRequest(Reply):
    user_id: int
    name: str
    requested_at: Moment


class DeletionRequests(Reply):
    requests: list[OpenDeletionRequest]


class AuditEvent(Reply):
    id: int
    at: Moment
    action: str
    actor_role: str | None
    actor_id: int | None
    actor: str | None
    subject_id: int | None
    subject: str | None
    details: dict[str, Any] | None


class AuditPage(Reply):
    events: list[AuditEvent]
    next_cursor: str | None


# --- answers documented as open objects for now (their services build them; shapes in the docstrings named)
class PlacementQuestion(Reply):
    """A snippet and how many printed lines to predict (never the output)."""

    id: str
    topic: str
    code: str
    lines: int


class PlacementAnswered(Reply):
    question: str
    topic: str | None
    right: int
    lines: int


class PlacementLast(Reply):
    """The verdict on the answer just given: one per printed line, and what was printed."""

    question: str
    correct: list[bool]
    expected: list[str]


class PlacementState(Reply):
    """Where the signed-in student's placement check stands, with the question to answer now."""

    status: Literal["not_started", "in_progress", "finished"]
    asked: int
    min_questions: int
    max_questions: int
    time_limit_seconds: int
    seconds_left: int | None
    question: PlacementQuestion | None
    answered: list[PlacementAnswered]
    last: PlacementLast | None = Field(default=None, description="After an answer only.")


class CourseExercise(ExerciseSummary):
    origin: str = Field(description="'builtin', or the course folder it comes from")


class CourseFolderInfo(Reply):
    path: str = Field(description="the course folder")
    groups: list[str] | None = Field(description="the Hub groups whose students it serves; null: everyone")


class CourseListing(Reply):
    """What the bank serves the viewer's groups: each exercise's origin, the course folders, and the hidden built-ins."""

    bank_version: int
    exercises: list[CourseExercise]
    hidden_builtin: list[str]
    courses: list[CourseFolderInfo] = Field(description="the course folders serving the viewer's groups (admins: all)")


class ImportedExercise(Reply):
    """The exercise stored and published from an authoring notebook."""

    exercise: ExerciseSummary
    course: str
    bank_version: int


class PassbackStatus(RootModel[dict[str, Any]]):
    """Per LMS course of the viewer: last sync, sent, queued and failed scores, the mode (api/lti/passback.py sync_status)."""


class LaunchRecorded(Reply):
    enrolment: Any
    passback: bool


class Jwks(Reply):
    """The tool's public key set (RFC 7517)."""

    keys: list[dict[str, Any]]
