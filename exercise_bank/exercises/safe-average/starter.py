def average(values):
    """Return the mean of values; raise ValueError or TypeError for bad input."""
    return sum(values) / len(values)
