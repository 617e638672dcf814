def count_change(amount, coins):
    """Return the number of ways to pay amount exactly with any number of each coin."""
    if amount == 0:
        return 1
    if not coins:
        return 0
    ways = count_change(amount, coins[1:])
    if coins[0] <= amount:
        ways += count_change(amount - coins[0], coins)
    return ways
