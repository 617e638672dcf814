def running_balance(start, transactions):
    """Return the balance after each transaction, starting from start."""
    balance = start
    balances = []
    for amount in transactions:
        balance = balance + amount
        balances.append(balance)
    return balances
