def is_sorted(values, strict=False):
    """Return True if values are in increasing order (strictly, if strict is True)."""
    for i in range(len(values) - 1):
        if values[i] > values[i + 1]:
            return False
        if strict and values[i] == values[i + 1]:
            return False
    return True
