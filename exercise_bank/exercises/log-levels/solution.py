LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def count_levels(lines):
    """Return {level: number of lines} for the levels DEBUG, INFO, WARNING and ERROR."""
    counts = {}
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        level = fields[2].upper()
        if level in LEVELS:
            counts[level] = counts.get(level, 0) + 1
    return counts
