def hottest_day(temps):
    """Return the position of the highest temperature (the earliest on a tie), or -1 if empty."""
    if not temps:
        return -1
    best = 0
    for day, temp in enumerate(temps):
        if temp > temps[best]:
            best = day
    return best
