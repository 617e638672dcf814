def count_levels(lines):
    """Return {level: number of lines} for the levels DEBUG, INFO, WARNING and ERROR."""
    counts = {}
    for line in lines:
        level = line.split()[2]
        counts[level] = counts.get(level, 0) + 1
    return counts
