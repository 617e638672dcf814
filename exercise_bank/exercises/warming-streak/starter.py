def longest_warming_streak(temps):
    """Return the length of the longest run of days, each warmer than the one before."""
    count = 0
    for i in range(1, len(temps)):
        if temps[i] > temps[i - 1]:
            count += 1
    return count
