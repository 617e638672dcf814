def read_quantity(text, default=0):
    """Return the whole number in text, or default if text is not a whole number or is None."""
    if text.isdigit():
        return int(text)
    return default
