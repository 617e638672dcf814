"""One integer parser, one cursor codec and one map from domain errors to HTTP statuses."""

from __future__ import annotations

import httpx
import pytest

from codementor.api.errors import STATUS, DomainError, NotFound, as_domain_error, code_of, status_of
from codementor.api.gateway.ledger import OverBudget
from codementor.api.handlers.base import parse_query
from codementor.api.schemas import ExportQuery, SubmissionsQuery
from codementor.api.services.limits import RateLimited
from codementor.api.services.pagination import decode_cursor, decode_text_cursor, encode_cursor
from codementor.exercise_bank import ExerciseNotFound


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_domain_error_has_a_status_in_the_one_map():
    assert {RateLimited, OverBudget} <= set(_all_subclasses(DomainError))
    missing = [cls.__name__ for cls in _all_subclasses(DomainError) if cls.code not in STATUS]
    assert missing == []
    assert status_of(RateLimited("slow down", retry_after=3)) == 429
    assert status_of(OverBudget("spent", retry_after=60)) == 429


def test_errors_from_elsewhere_become_domain_errors_and_other_statuses_get_a_code():
    error = as_domain_error(ExerciseNotFound("nope"))
    assert isinstance(error, NotFound) and status_of(error) == 404 and "'nope'" in error.message
    assert as_domain_error(ValueError("x")) is None
    assert (code_of(405), code_of(413), code_of(418), code_of(502)) == ("method_not_allowed", "payload_too_large", "error", "internal_error")


@pytest.mark.parametrize("raw", ["abc", "1.5", "", "9" * 5 + "x"])
def test_a_query_integer_that_is_not_one_is_a_400_naming_the_argument(raw):
    with pytest.raises(DomainError, match=f"limit must be a whole number, not {raw!r}"):
        parse_query(SubmissionsQuery, {"limit": raw})
    assert parse_query(SubmissionsQuery, {}).limit == 20 and parse_query(SubmissionsQuery, {"limit": " 7 "}).limit == 7


def test_query_values_outside_their_documented_range_or_form_are_refused_by_name():
    for args, message in [({"limit": "101"}, "limit must be between 1 and 100"), ({"limit": "9" * 5000}, "limit must be between 1 and 100"),
                          ({"day": "yesterday"}, "day must be a date like 2026-11-27, not 'yesterday'"),
                          ({"exercise_id": "a\x00b"}, "invalid 'exercise_id'")]:
        with pytest.raises(DomainError, match=message):
            parse_query(SubmissionsQuery, args)
    with pytest.raises(DomainError, match="from must be a date like"):
        parse_query(ExportQuery, {"from": "2026-1-1"})
    assert parse_query(ExportQuery, {"from": "2026-01-01", "to": "2026-01-31"}).first == "2026-01-01"


def test_cursors_round_trip_and_anything_else_is_refused():
    assert decode_cursor(encode_cursor(41)) == 41
    # empty, not base64, zero, a NUL, "-1", digits int() refuses ("²", "¹²³", "①") or we never write ("١٢"), too long for an id
    for bad in ("", "!!", encode_cursor(0), "AA", "LTE", "wrI", "wrnCssKz", "4pGg", "2aHZog", encode_cursor(10**19)):
        with pytest.raises(DomainError, match="the cursor is not one this API gave out"):
            decode_cursor(bad)
    with pytest.raises(DomainError):
        decode_text_cursor("AA")


LISTS = ["/submissions", "/tutor/conversations", "/progress/history"]


@pytest.mark.e2e
@pytest.mark.parametrize("path", LISTS)
def test_every_list_answers_bad_paging_the_same_way(stack, hub, path):
    hub.create_user("paging-" + path.strip("/").split("/")[-1][:8])
    token = hub.user_token("paging-" + path.strip("/").split("/")[-1][:8])
    get = lambda **params: httpx.get(stack.api_url + path, params=params, headers={"Authorization": f"token {token}"}, timeout=30)
    for params, message in [({"limit": "abc"}, "limit must be a whole number, not 'abc'"),
                            ({"limit": "0"}, "limit must be between 1 and "),
                            ({"cursor": "!!"}, "the cursor is not one this API gave out"),
                            # as sent: a control character is not dropped (it read as no cursor), a NUL never reaches Postgres
                            ({"cursor": "\x00"}, "invalid 'cursor': text may not contain NUL characters"),
                            ({"limit": "\x165"}, "limit must be a whole number")]:
        resp = get(**params)
        assert resp.status_code == 400, (params, resp.text)
        error = resp.json()["error"]
        assert error["code"] == "invalid_request" and error["message"].startswith(message), (params, error)
    assert get().status_code == 200
    assert httpx.get(stack.api_url + "/exercises/today", params={"include": "\x16"}, headers={"Authorization": f"token {token}"},
                     timeout=30).status_code == 400  # not read as no `include` at all
