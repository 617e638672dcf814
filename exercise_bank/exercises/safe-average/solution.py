def average(values):
    """Return the mean of values; raise ValueError or TypeError for bad input."""
    if not values:
        raise ValueError("cannot average an empty list")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"not a number: {value!r}")
    return sum(values) / len(values)
