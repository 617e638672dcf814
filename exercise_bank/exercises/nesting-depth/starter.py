def depth(value):
    """Return how deeply lists are nested in value (0 for anything that is not a list)."""
    if not isinstance(value, list):
        return 0
    for item in value:
        if isinstance(item, list):
            return 1 + depth(item)
    return 1
