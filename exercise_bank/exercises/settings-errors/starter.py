class ConfigError(ValueError):
    """A settings line is wrong; knows the line number and the reason."""


def parse_settings(text):
    """Return the settings in text as a dict; raise ConfigError for a wrong line."""
    settings = {}
    for line in text.splitlines():
        if line:
            key, value = line.split("=")
            settings[key.strip()] = value.strip()
    return settings
