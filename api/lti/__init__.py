"""LTI Advantage from the tool's side: its key pair and JWKS, course enrolments from launches, and
grade passback (Assignment and Grade Services) through a Postgres queue retried with backoff."""
