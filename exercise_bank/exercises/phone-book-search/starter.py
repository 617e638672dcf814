def binary_search(items, target):
    """Return the position of target in the sorted list items, or -1 if it is not there."""
    for position in range(len(items)):
        if items[position] == target:
            return position
    return -1
