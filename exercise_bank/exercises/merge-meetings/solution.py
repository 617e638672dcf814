def busy_periods(meetings):
    """Return the merged busy periods of meetings as (start, end) tuples sorted by start."""
    periods = []
    for start, end in sorted(meetings):
        if periods and start <= periods[-1][1]:
            periods[-1] = (periods[-1][0], max(periods[-1][1], end))
        else:
            periods.append((start, end))
    return periods
