def running_balance(start, transactions):
    """Return the balance after each transaction, starting from start."""
    balances = []
    for amount in transactions:
        balances.append(start + amount)
    return balances
