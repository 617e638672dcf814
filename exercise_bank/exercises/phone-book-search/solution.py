def binary_search(items, target):
    """Return the position of target in the sorted list items, or -1 if it is not there."""
    low, high = 0, len(items) - 1
    while low <= high:
        middle = (low + high) // 2
        if items[middle] < target:
            low = middle + 1
        elif items[middle] > target:
            high = middle - 1
        else:
            return middle
    return -1
