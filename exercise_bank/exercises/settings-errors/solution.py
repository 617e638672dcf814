class ConfigError(ValueError):
    """A settings line is wrong; knows the line number and the reason."""

    def __init__(self, line, reason):
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def parse_settings(text):
    """Return the settings in text as a dict; raise ConfigError for a wrong line."""
    settings = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ConfigError(number, "missing '='")
        key, _, value = line.partition("=")
        key = key.strip()
        if not key:
            raise ConfigError(number, "empty key")
        if key in settings:
            raise ConfigError(number, "duplicate key")
        settings[key] = value.strip()
    return settings
