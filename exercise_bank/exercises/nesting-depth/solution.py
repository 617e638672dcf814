def depth(value):
    """Return how deeply lists are nested in value (0 for anything that is not a list)."""
    if not isinstance(value, list):
        return 0
    deepest = 0
    for item in value:
        deepest = max(deepest, depth(item))
    return deepest + 1
