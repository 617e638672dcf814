"""The privacy page (HTML, no sign-in needed: the Hub's login page links to it)."""

from tornado import web

from ..services.privacy import PrivacyFacts, render, vendors_of


class PrivacyHandler(web.RequestHandler):
    def initialize(self, ctx, retention):
        self.ctx, self.retention = ctx, retention

    def facts(self) -> PrivacyFacts:
        gateway, r = self.ctx.gateway, self.retention
        return PrivacyFacts(
            conversation_days=r.conversation_days, code_days=r.code_days, hint_days=r.hint_days, log_days=r.log_days,
            vendors=vendors_of(gateway.chain), daily_budget_usd=dict(gateway.daily_budget_usd), cache_days=gateway.cache_ttl / 86400,
            api_path=self.ctx.prefix + "api/v1",
        )

    def get(self):
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(render(self.facts()))
