"""Hub configuration and the launcher that starts the stack for the demo and the tests."""
