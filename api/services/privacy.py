"""The students' privacy page, written from the running settings so that it stays true."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Vendor:
    name: str
    host: str  # where the text goes (the provider's base URL host)
    model: str


@dataclass(frozen=True)
class PrivacyFacts:
    conversation_days: int
    code_days: int
    hint_days: int
    log_days: int
    vendors: tuple[Vendor, ...]
    daily_budget_usd: dict
    cache_days: float
    api_path: str  # the API's public path, e.g. /services/codementor/api/v1


def vendors_of(chain) -> tuple[Vendor, ...]:
    """The paid providers of the tutor gateway's chain (the offline one sends nothing anywhere)."""
    return tuple(Vendor(p.name, urlsplit(p.base_url).hostname or p.base_url, p.model) for p in chain if getattr(p, "paid", False))


def _kept(days: int, what: str) -> str:
    return f"{escape(what)}: kept {days} days" if days > 0 else f"{escape(what)}: kept until your account is deleted"


def _vendor_text(facts: PrivacyFacts) -> str:
    if not facts.vendors:
        return "<p>No outside AI vendor is configured: hints and tutor answers come from the authored hint ladder on this server. Nothing you write leaves it.</p>"
    items = "".join(f"<li>{escape(v.name)} at <code>{escape(v.host)}</code>, model <code>{escape(v.model)}</code></li>" for v in facts.vendors)
    return (
        f"<p>When you use <code>%tutor</code> or ask for a hint beyond the authored ones, the tutor sends the exercise, your question, "
        f"your code and the last error to:</p><ul>{items}</ul><p>Before anything leaves, names, e-mail addresses, user names and other "
        "identifiers the platform knows are replaced by placeholders: the vendor receives scrubbed text only, never your name or "
        "account. Answers to questions with nothing personal in them may be shared with classmates asking the same thing for "
        f"{facts.cache_days:g} days, unless you are deleted first.</p>"
    )


def render(facts: PrivacyFacts) -> str:
    """The page as HTML (no scripts, no outside resources)."""
    budgets = ", ".join(f"{escape(role)}s {usd:g} USD" for role, usd in facts.daily_budget_usd.items())
    api = escape(facts.api_path.rstrip("/"))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CodeMentor: your data</title></head>
<body style="font-family: sans-serif; max-width: 46em; margin: 2em auto; line-height: 1.4">
<h1>CodeMentor: what we store about you</h1>
<h2>What is stored</h2>
<ul>
<li>Your user name and role, and your onboarding answers (level, topics, time zone).</li>
<li>Every submission: your code, the per-test results, score and time.</li>
<li>The hints you received, your conversations with the tutor (questions and answers).</li>
<li>Your progress: skills per topic, active days, streaks and badges, today's exercises.</li>
<li>What the tutor cost for you per day (amounts and token counts, no text).</li>
</ul>
<h2>For how long</h2>
<ul>
<li>{_kept(facts.conversation_days, "Tutor conversations (after their last message)")}.</li>
<li>{_kept(facts.code_days, "The code of a submission")}; its result and score stay for your progress and your class's statistics.</li>
<li>{_kept(facts.hint_days, "The text of an AI-written hint")}; that you took a hint stays.</li>
<li>{_kept(facts.log_days, "Server logs (the API's and the Hub's)")}; the API's name you only by an opaque number, the Hub's show your user name.</li>
<li>Everything else: until your account is deleted.</li>
</ul>
<h2>Who sees it</h2>
<ul>
<li>You: <code>%progress</code>, <code>%mydata</code>.</li>
<li>Your instructors: your results, hints, tutor use and progress in their class dashboards (not your tutor conversations).</li>
<li>Admins: everything, to run the service. Every time an instructor opens your page, exports the class or an admin exports or deletes an account, approves your sign-up or changes your role or groups, it is written to an audit trail you receive in your export.</li>
</ul>
<h2>AI vendors</h2>
{_vendor_text(facts)}
<p>Daily tutor budget: {budgets}.</p>
<h2>Get a copy, or have it deleted</h2>
<ul>
<li>Run <code>%mydata</code> in a notebook (or GET <code>{api}/me/export</code>): a zip of everything above.</li>
<li>Run <code>%delete_my_data</code> (or POST <code>{api}/me/deletion-request</code>): an admin deletes your account, your data and the shared answers made from your questions.</li>
</ul>
</body></html>
"""
