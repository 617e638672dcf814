def merge_timetables(left, right):
    """Return all departures of left and right in one list sorted by minute (left first on ties)."""
    return sorted(left + right)
