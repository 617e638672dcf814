def initials(full_name):
    """Return the initials of a two-word name, like 'A.L.' for 'ada lovelace'."""
    first, last = full_name.split()
    return first[0].upper() + "." + last[0].upper() + "."
