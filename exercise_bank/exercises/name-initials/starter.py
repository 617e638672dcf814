def initials(full_name):
    """Return the initials of a two-word name, like 'A.L.' for 'ada lovelace'."""
    return full_name[0] + "."
