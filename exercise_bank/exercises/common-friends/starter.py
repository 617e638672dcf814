def common_friends(mine, yours):
    """Return the sorted list of names found in both lists, each name once."""
    common = []
    for name in mine:
        if name in yours:
            common.append(name)
    return common
