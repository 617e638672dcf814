"""The LLM gateway: providers, limits, cost ledger, cache and guardrails behind one interface."""
