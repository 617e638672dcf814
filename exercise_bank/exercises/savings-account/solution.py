class Account:
    """A savings account whose balance never goes below zero."""

    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance

    def deposit(self, amount):
        """Add amount to the balance."""
        self.balance += amount

    def withdraw(self, amount):
        """Take amount out and return True, or return False if there is not enough money."""
        if amount > self.balance:
            return False
        self.balance -= amount
        return True
