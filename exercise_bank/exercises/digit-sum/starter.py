def digit_sum(n):
    """Return the sum of the decimal digits of n (the sign does not count)."""
    if n == 0:
        return 0
    return n % 10 + digit_sum(n // 10)
