def rotate(items, steps):
    """Return a new list: items rotated to the left by steps (negative: to the right)."""
    if not items:
        return []
    k = steps % len(items)
    return items[k:] + items[:k]
