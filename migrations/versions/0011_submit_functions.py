"""submit functions: storing a submission with its progress as two server-side calls

The submit path sent about a dozen statements in two pipelined batches; each cost the API
client-side work (parameters, results) that added up to more than the statements. These two
functions run the same statements, in the same order and transaction, one call per batch:

- codementor_store_submission: the INSERT (once per idempotency key), the student's advisory
  lock, and every read the progress needs; a key stored before gives a row of NULLs.
- codementor_record_progress: the skills, the ratings' step (locked in key order for the
  UPDATE only), the shown floor, the day and the badges; returns the badges that are new.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

STORE = """
CREATE OR REPLACE FUNCTION codementor_store_submission(
    p_user bigint, p_exercise varchar, p_version int, p_key varchar, p_code text, p_status varchar, p_passed boolean,
    p_score double precision, p_results jsonb, p_message text, p_duration double precision,
    p_lock_namespace int, p_keys varchar[], p_means double precision[], p_vars double precision[], p_max_attempts int,
    OUT o_id bigint, OUT o_hint_count int, OUT o_created_at timestamptz,
    OUT o_level varchar, OUT o_timezone varchar, OUT o_earlier boolean[], OUT o_days date[], OUT o_solved varchar[], OUT o_total bigint,
    OUT o_skill_topics varchar[], OUT o_skill_means double precision[], OUT o_skill_vars double precision[], OUT o_skill_attempts int[],
    OUT o_skill_successes int[], OUT o_skill_floors double precision[], OUT o_skill_updated timestamptz[],
    OUT o_rating_keys varchar[], OUT o_rating_means double precision[], OUT o_rating_vars double precision[],
    OUT o_rating_attempts int[], OUT o_rating_successes int[]
) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO submissions (user_id, exercise_id, exercise_version, idempotency_key, code, status, passed, score, results,
                             message, duration_ms, hint_count)
    VALUES (p_user, p_exercise, p_version, p_key, p_code, p_status, p_passed, p_score, p_results, p_message, p_duration,
            (SELECT count(*) FROM hint_events h WHERE h.user_id = p_user AND h.exercise_id = p_exercise))
    ON CONFLICT ON CONSTRAINT uq_submissions_user_key DO NOTHING
    RETURNING submissions.id, submissions.hint_count, submissions.created_at INTO o_id, o_hint_count, o_created_at;
    IF o_id IS NULL THEN
        RETURN;  -- stored before under this key: nothing to read, the caller writes nothing
    END IF;
    PERFORM pg_advisory_xact_lock(p_lock_namespace, (p_user % 2147483648)::int);
    SELECT lp.level, lp.timezone INTO o_level, o_timezone FROM learner_profiles lp WHERE lp.user_id = p_user;
    o_earlier := ARRAY(SELECT s.passed FROM submissions s WHERE s.user_id = p_user AND s.exercise_id = p_exercise AND s.id < o_id);
    o_days := ARRAY(SELECT a.day FROM activity_days a WHERE a.user_id = p_user);
    o_solved := ARRAY(SELECT DISTINCT s.exercise_id FROM submissions s WHERE s.user_id = p_user AND s.passed);
    o_total := (SELECT count(*) FROM submissions s WHERE s.user_id = p_user);
    SELECT coalesce(array_agg(k.topic), '{}'), array_agg(k.mean), array_agg(k.var), array_agg(k.attempts), array_agg(k.successes),
           array_agg(k.shown_floor), array_agg(k.updated_at)
      INTO o_skill_topics, o_skill_means, o_skill_vars, o_skill_attempts, o_skill_successes, o_skill_floors, o_skill_updated
      FROM skills k WHERE k.user_id = p_user;
    INSERT INTO exercise_ratings (exercise_id, mean, var, attempts, successes)
    SELECT unnest(p_keys), unnest(p_means), unnest(p_vars), 0, 0
    ON CONFLICT DO NOTHING;
    o_rating_keys := '{}';
    -- read (not locked) only when this attempt moves them: the exercise not solved before by
    -- this student, and fewer than p_max_attempts earlier tries
    IF cardinality(o_earlier) < p_max_attempts AND NOT (true = ANY(o_earlier)) THEN
        SELECT coalesce(array_agg(r.exercise_id), '{}'), array_agg(r.mean), array_agg(r.var), array_agg(r.attempts), array_agg(r.successes)
          INTO o_rating_keys, o_rating_means, o_rating_vars, o_rating_attempts, o_rating_successes
          FROM exercise_ratings r WHERE r.exercise_id = ANY(p_keys);
    END IF;
END
$$
"""

RECORD = """
CREATE OR REPLACE FUNCTION codementor_record_progress(
    p_user bigint, p_submission bigint, p_now timestamptz,
    p_skill_topics varchar[], p_skill_means double precision[], p_skill_vars double precision[], p_skill_attempts int[], p_skill_successes int[],
    p_rating_keys varchar[], p_rating_means double precision[], p_rating_vars double precision[], p_rating_attempts int[],
    p_rating_successes int[], p_min_var double precision,
    p_floor_topic varchar, p_floor double precision, p_day date, p_solved int, p_badges varchar[]
) RETURNS SETOF varchar LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_skill_topics) > 0 THEN
        INSERT INTO skills (user_id, topic, mean, var, attempts, successes, updated_at)
        SELECT p_user, unnest(p_skill_topics), unnest(p_skill_means), unnest(p_skill_vars), unnest(p_skill_attempts),
               unnest(p_skill_successes), p_now
        ON CONFLICT (user_id, topic) DO UPDATE SET mean = excluded.mean, var = excluded.var, attempts = excluded.attempts,
            successes = excluded.successes, updated_at = excluded.updated_at;
    END IF;
    IF cardinality(p_rating_keys) > 0 THEN
        -- shared by the class: locked in key order for the moment of the UPDATE only, which adds
        -- this attempt's step (the change from what it read) to the rows as they are now
        PERFORM 1 FROM exercise_ratings r WHERE r.exercise_id = ANY(p_rating_keys) ORDER BY r.exercise_id FOR UPDATE;
        UPDATE exercise_ratings AS r SET mean = r.mean + v.mean, var = greatest(r.var + v.var, p_min_var),
            attempts = r.attempts + v.attempts, successes = r.successes + v.successes, updated_at = p_now
        FROM (SELECT unnest(p_rating_keys) AS exercise_id, unnest(p_rating_means) AS mean, unnest(p_rating_vars) AS var,
                     unnest(p_rating_attempts) AS attempts, unnest(p_rating_successes) AS successes) AS v
        WHERE r.exercise_id = v.exercise_id;
    END IF;
    IF p_floor IS NOT NULL THEN  -- the topic's row exists: it was attempted
        UPDATE skills SET shown_floor = p_floor WHERE user_id = p_user AND topic = p_floor_topic;
    END IF;
    INSERT INTO activity_days (user_id, day, submissions, solved) VALUES (p_user, p_day, 1, p_solved)
    ON CONFLICT (user_id, day) DO UPDATE SET submissions = activity_days.submissions + 1,
        solved = activity_days.solved + excluded.solved;
    RETURN QUERY
    INSERT INTO badges (user_id, badge, day, submission_id) SELECT p_user, unnest(p_badges), p_day, p_submission
    ON CONFLICT ON CONSTRAINT uq_badges_user_badge DO NOTHING
    RETURNING badge;
END
$$
"""


def upgrade() -> None:
    op.execute(STORE)
    op.execute(RECORD)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS codementor_record_progress")
    op.execute("DROP FUNCTION IF EXISTS codementor_store_submission")
