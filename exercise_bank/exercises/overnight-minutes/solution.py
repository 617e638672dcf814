def minutes_until(start_hour, start_minute, end_hour, end_minute):
    """Return the minutes from the start time to the next time the clock shows the end time."""
    start = start_hour * 60 + start_minute
    end = end_hour * 60 + end_minute
    return (end - start) % (24 * 60)
