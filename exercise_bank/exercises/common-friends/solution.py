def common_friends(mine, yours):
    """Return the sorted list of names found in both lists, each name once."""
    return sorted(set(mine) & set(yours))
