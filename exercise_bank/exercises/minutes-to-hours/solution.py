def hours_and_minutes(total_minutes):
    """Return (hours, minutes) for a number of minutes; minutes is between 0 and 59."""
    return (total_minutes // 60, total_minutes % 60)
