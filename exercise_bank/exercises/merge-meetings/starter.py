def busy_periods(meetings):
    """Return the merged busy periods of meetings as (start, end) tuples sorted by start."""
    meetings.sort()
    periods = []
    for start, end in meetings:
        if periods and start < periods[-1][1]:
            periods[-1] = (periods[-1][0], end)
        else:
            periods.append((start, end))
    return periods
