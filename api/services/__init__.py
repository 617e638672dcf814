"""Domain services of the API: plain code that handlers call, testable without a server."""
