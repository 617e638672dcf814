def sum_of_evens(numbers):
    """Return the sum of the even numbers in the list."""
    total = 0
    # your code here
    return total
