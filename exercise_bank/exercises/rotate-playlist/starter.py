def rotate(items, steps):
    """Return a new list: items rotated to the left by steps (negative: to the right)."""
    return items[steps:] + items[:steps]
