"""The OpenAPI document the API serves at /api/v1/openapi.json (a test keeps it true)."""

from .lti.launches import Launch
from .schemas import (AssignmentRequest, DeletionRequestBody, DeliveryReport, HintRequest, HubAuditEvent, ImportRequest, NewConversationRequest,
                      PlacementAnswers, ProfileRequest, SubmissionRequest, TutorRequest)

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details", "request_id"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object"},
                "request_id": {"type": "string", "description": "The request's X-Request-ID (the caller's, or one the API made): quote it when reporting a problem."},
            },
        }
    },
}


def _op(summary: str, *, body=None, params=(), ok: int = 200, auth: bool = True, errors=(400, 401, 404), zip: bool = False) -> dict:
    content = {"application/zip": {"schema": {"type": "string", "format": "binary"}}} if zip else {"application/json": {"schema": {"type": "object"}}}
    responses = {str(ok): {"description": "success", "content": content}}
    for status in errors if auth else ():
        responses[str(status)] = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    op = {"summary": summary, "responses": responses}
    if params:
        op["parameters"] = [{"name": n, "in": where, "required": where == "path", "schema": {"type": t}} for n, where, t in params]
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body.__name__}"}}}}
    if not auth:
        op["security"] = []
    return op


PATHS = {
    "/health": {"get": _op("Is the API up, and are Postgres and Redis reachable?", auth=False)},
    "/openapi.json": {"get": _op("This document.", auth=False)},
    "/me": {
        "get": _op("The signed-in user: name, role, groups and onboarding answers (level, topics, time zone)."),
        "put": _op("Onboarding: set the self-reported level, topics of interest and time zone.", body=ProfileRequest, errors=(400, 401, 413)),
    },
    "/class/assignments": {
        "get": _op("Instructors: the assignments of their groups (admins: all), by day.",
                   params=[("group", "query", "string"), ("since", "query", "string"), ("until", "query", "string"), ("limit", "query", "integer")],
                   errors=(400, 401, 403)),
        "post": _op("Instructors: pin an exercise to a day for one of their groups, with an optional due time.", body=AssignmentRequest, ok=201,
                    errors=(400, 401, 403, 413)),
    },
    "/class/assignments/{assignment_id}": {
        "delete": _op("Instructors: unpin an assignment of their groups.", params=[("assignment_id", "path", "integer")], ok=204, errors=(401, 403, 404)),
    },
    "/me/placement": {
        "get": _op("Where the signed-in student's placement check stands, with the question to answer now."),
        "post": _op("Start the placement check (it runs once; starting again shows where it stands)."),
    },
    "/me/placement/answers": {"post": _op("Answer the current placement question: what each printed line shows.", body=PlacementAnswers, errors=(400, 401, 413))},
    "/me/placement/finish": {"post": _op("End the placement check early; the answers given so far count.")},
    "/exercises/today": {"get": _op("Today's exercises for the signed-in student.", params=[("include", "query", "string")])},
    "/exercises/{exercise_id}": {
        "get": _op("One exercise, student view (no hidden tests, no solution).", params=[("exercise_id", "path", "string"), ("format", "query", "string")])
    },
    "/hints": {"post": _op("The next rung of the authored hint ladder.", body=HintRequest, errors=(400, 401, 404, 413, 429))},
    "/submissions": {
        "post": _op("Grade and store a submission (idempotent per key).", body=SubmissionRequest, ok=201, errors=(400, 401, 404, 413, 429, 503)),
        "get": _op("The signed-in user's submissions, newest first.", params=[("limit", "query", "integer"), ("cursor", "query", "string"), ("exercise_id", "query", "string"),
                    ("since", "query", "string"), ("until", "query", "string"), ("day", "query", "string")]),
    },
    "/submissions/{submission_id}": {"get": _op("One of the signed-in user's submissions.", params=[("submission_id", "path", "integer")])},
    "/progress": {"get": _op("The signed-in student's streak, skill per topic, badges and totals.", errors=(401,))},
    "/progress/history": {
        "get": _op("The signed-in student's active days, newest first, with badges earned.", params=[("limit", "query", "integer"), ("cursor", "query", "string")], errors=(400, 401))
    },
    "/tutor/ask": {
        "post": _op("Ask the tutor; with stream=true the answer arrives as server-sent events (delta, replace, done).", body=TutorRequest, errors=(400, 401, 404, 413, 429))
    },
    "/tutor/budget": {"get": _op("What is left of today's tutor allowance.")},
    "/tutor/conversations": {
        "get": _op("The signed-in user's tutor conversations, newest first.", params=[("limit", "query", "integer"), ("cursor", "query", "string"), ("exercise_id", "query", "string")]),
        "post": _op("Start a new conversation for an exercise.", body=NewConversationRequest, ok=201),
    },
    "/tutor/conversations/{conversation_id}": {
        "get": _op("One of the signed-in user's conversations, with its messages.", params=[("conversation_id", "path", "integer")]),
        "delete": _op("Delete one of the signed-in user's conversations.", params=[("conversation_id", "path", "integer")], ok=204),
    },
    "/course/exercises": {
        "get": _op("Instructors: what the bank serves (each exercise's origin), the hidden built-ins and the published version.", errors=(401, 403)),
        "post": _op("Instructors: validate an authoring notebook in the grader's sandbox, then store it in the course bank and publish it.",
                    body=ImportRequest, ok=201, errors=(400, 401, 403, 409, 413, 503)),
    },
    "/class/overview": {"get": _op("Class overview for an instructor's groups (admins: everyone).", params=[("days", "query", "integer")], errors=(400, 401, 403, 503))},
    "/class/stuck": {
        "get": _op(
            "Students with repeated failures or hints on one exercise in the last minutes, without a pass.",
            params=[("minutes", "query", "integer"), ("failures", "query", "integer"), ("hints", "query", "integer")],
            errors=(400, 401, 403, 503),
        )
    },
    "/class/students": {"get": _op("The viewer's students with their totals, by name.", params=[("limit", "query", "integer"), ("cursor", "query", "string")], errors=(400, 401, 403, 503))},
    "/class/students/{name}": {
        "get": _op("One student's timeline (submissions, hints) and skills per topic.", params=[("name", "path", "string"), ("limit", "query", "integer"), ("cursor", "query", "string")], errors=(400, 401, 403, 404, 503))
    },
    "/class/exercises/{exercise_id}": {"get": _op("One exercise across the class: attempts to pass, common errors, hint rungs.", params=[("exercise_id", "path", "string")], errors=(401, 403, 404, 503))},
    "/class/export": {
        "get": _op(
            "Grades and progress per student and exercise for a date range (the CSV export's data).",
            params=[("from", "query", "string"), ("to", "query", "string"), ("limit", "query", "integer"), ("cursor", "query", "string")],
            errors=(400, 401, 403, 503),
        )
    },
    "/class/passback": {
        "get": _op("LTI grade passback per LMS course of the viewer: last sync, sent, queued and failed scores, the latest rows.", errors=(401, 403, 503))
    },
    "/lti/jwks": {"get": _op("The tool's public keys (JWKS): the LMS checks the tool's signed client assertions with them.", auth=False)},
    "/lti/launches": {
        "post": _op("The Hub's LTI login records a verified launch (its service token only).", body=Launch, ok=201, errors=(400, 401, 403, 404, 413))
    },
    "/delivery/failures": {
        "post": _op("A student server reports failed deliveries of the day's notebooks, by kind (counted in the metrics).", body=DeliveryReport, ok=204, errors=(400, 401, 413))
    },
    "/me/export": {"get": _op("Everything stored about the signed-in user, as one zip (JSON per table, submitted code as .py files).", errors=(401,), zip=True)},
    "/me/deletion-request": {
        "post": _op("Ask for the deletion of everything about you (confirm with your user name); an admin carries it out.", body=DeletionRequestBody, ok=202, errors=(400, 401, 413))
    },
    "/users/{name}": {
        "delete": _op(
            "Admins: delete every row about a user, the cached answers made from their prompts and their Hub account (audited).",
            params=[("name", "path", "string")], errors=(400, 401, 403, 404, 503),
        )
    },
    "/users/{name}/export": {"get": _op("Admins: one user's export (audited).", params=[("name", "path", "string")], errors=(401, 403, 404), zip=True)},
    "/admin/deletion-requests": {"get": _op("Admins: students' open deletion requests, oldest first (audited).", errors=(401, 403))},
    "/admin/audit": {
        "get": _op("Admins: the audit trail of access to students' data, newest first.", params=[("limit", "query", "integer"), ("cursor", "query", "string")], errors=(400, 401, 403))
    },
    "/admin/audit/hub-events": {
        "post": _op("The Hub only (its audit token): an admin's action on the Hub's pages (a sign-up approved, a role changed).",
                    body=HubAuditEvent, ok=204, errors=(400, 403, 413))
    },
}


def openapi_document(prefix: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "CodeMentor API", "version": "1"},
        "servers": [{"url": prefix + "api/v1"}],
        "components": {
            "securitySchemes": {"hubToken": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "token <JupyterHub API token>"}},
            "schemas": {"Error": ERROR, "HintRequest": HintRequest.model_json_schema(), "SubmissionRequest": SubmissionRequest.model_json_schema(),
                        "ProfileRequest": ProfileRequest.model_json_schema(),
                        "PlacementAnswers": PlacementAnswers.model_json_schema(),
                        "AssignmentRequest": AssignmentRequest.model_json_schema(),
                        "TutorRequest": TutorRequest.model_json_schema(), "NewConversationRequest": NewConversationRequest.model_json_schema(),
                        "DeliveryReport": DeliveryReport.model_json_schema(),
                        "DeletionRequestBody": DeletionRequestBody.model_json_schema(), "Launch": Launch.model_json_schema(),
                        "ImportRequest": ImportRequest.model_json_schema(), "HubAuditEvent": HubAuditEvent.model_json_schema()},
        },
        "security": [{"hubToken": []}],
        "paths": PATHS,
    }
