def read_quantity(text, default=0):
    """Return the whole number in text, or default if text is not a whole number or is None."""
    try:
        return int(text)
    except (ValueError, TypeError):
        return default
