def longest_warming_streak(temps):
    """Return the length of the longest run of days, each warmer than the one before."""
    if not temps:
        return 0
    best = 1
    current = 1
    for i in range(1, len(temps)):
        if temps[i] > temps[i - 1]:
            current += 1
        else:
            current = 1
        best = max(best, current)
    return best
