class Cart:
    """A shopping cart: products with a price and a quantity."""

    def __init__(self):
        self.products = {}

    def add(self, name, price, quantity=1):
        """Put quantity pieces of a product in the cart (a product keeps its first price)."""
        self.products[name] = [price, quantity]

    def remove(self, name):
        """Take a product out of the cart completely; do nothing if it is not there."""
        del self.products[name]

    def count(self):
        """Return the number of pieces in the cart."""
        return len(self.products)

    def total(self, discount_percent=0):
        """Return the price of everything, minus the discount, rounded to cents."""
        return round(sum(price * quantity for price, quantity in self.products.values()), 2)

    def lines(self):
        """Return (name, quantity) tuples sorted by name."""
        return [(name, q) for name, (p, q) in self.products.items()]
