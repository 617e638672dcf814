"""Shared answers in Redis, for requests that carry nothing personal.

The key is made of the exercise (and its version), a hash of the student's code with
formatting and comments normalised away, the error as the student sent it (message and
traceback; only a notebook cell's run number and temporary file name are left out), the
failing tests' messages of their last submission, the hint rung, the normalised question and
the prompt version: everything of the prompt that varies between students. Two students share
an answer only when all of these match: an answer can quote any of them (an error's text, a
"returned X" whose X the student's code chose), so that text is never served to someone whose
own prompt did not hold it.

An answer that holds code (a fenced block, an indented block of more than two lines, or code the
leak filter could run) is never shared: it was judged for the student who asked, with their code and
memory, and a filter that missed a leak once must not hand it to every student who asks the same.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import re

from redis.exceptions import RedisError

log = logging.getLogger(__name__)
PREFIX = "codementor:tutor:cache"


def normalized_code(code: str) -> str:
    """The code as Python sees it (no comments, canonical spacing); the raw text if it does not parse."""
    try:
        return ast.unparse(ast.parse(code))
    except (SyntaxError, ValueError, RecursionError):
        return "\n".join(line.rstrip() for line in code.strip().splitlines())


# what differs between two runs of the same code in a notebook: the cell's run number and its temporary file
_RUN_SPECIFIC = re.compile(r"In ?\[\d+\]|ipykernel_\d+/\d+\.py|<ipython-input-\d+-[0-9a-f]+>")


def normalized_error(error: str, traceback: str = "") -> str:
    """The error and its traceback as sent, but for what changes from one run of a cell to the next."""
    return _RUN_SPECIFIC.sub("#", f"{error.strip()}\n{traceback.strip()}")


def normalized_question(question: str) -> str:
    return re.sub(r"[\s?.!]+", " ", question.lower()).strip()


INDENTED_BLOCK = re.compile(r"(?:^(?: {4}|\t)[^\n]*\S[^\n]*\n?){3,}", re.M)


def holds_code(text: str) -> bool:
    """A fenced code block, or more than two lines in a row indented as code."""
    return "```" in text or "~~~" in text or bool(INDENTED_BLOCK.search(text))


def cache_key(*, exercise_id: str, exercise_version: int, code: str, error: str, rung: int, question: str,
              purpose: str, prompt_version: str, model: str, failing_tests: str = "") -> str:
    parts = [prompt_version, model, purpose, exercise_id, str(exercise_version), normalized_code(code), error, failing_tests, str(rung),
             normalized_question(question)]
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"{PREFIX}:{exercise_id}:{digest}"


def owner_key(user_id: int) -> str:
    """The Redis set of the cache keys a user's prompts created."""
    return f"{PREFIX}:owner:{user_id}"


async def forget_owner(redis, user_id: int) -> int:
    """Delete the cached answers made from `user_id`'s prompts (and the set naming them); how many."""
    keys = [k.decode() if isinstance(k, bytes) else k for k in await redis.smembers(owner_key(user_id))]
    if keys:
        await redis.delete(*keys)
    await redis.delete(owner_key(user_id))
    return len(keys)


class AnswerCache:
    def __init__(self, redis, ttl: int):
        self.redis, self.ttl = redis, ttl

    async def get(self, key: str) -> dict | None:
        try:
            raw = await self.redis.get(key)
            await self.redis.incr(f"{PREFIX}:stats:{'hits' if raw else 'misses'}")
        except RedisError as err:
            log.warning("answer cache unavailable (REDIS_URL): %s", err)
            return None
        return json.loads(raw) if raw else None

    async def put(self, key: str, value: dict, owner: int | None = None) -> None:
        """Store an answer; `owner` (users.id) is the student whose prompt made it, so deleting them deletes it."""
        try:
            await self.redis.set(key, json.dumps(value), ex=self.ttl)
            if owner is not None:
                await self.redis.sadd(owner_key(owner), key)
                await self.redis.expire(owner_key(owner), self.ttl)
        except RedisError as err:
            log.warning("answer cache unavailable (REDIS_URL): %s", err)

    async def stats(self) -> dict:
        hits, misses = await self.redis.mget(f"{PREFIX}:stats:hits", f"{PREFIX}:stats:misses")
        hits, misses = int(hits or 0), int(misses or 0)
        return {"hits": hits, "misses": misses, "hit_rate": hits / (hits + misses) if hits + misses else 0.0}
