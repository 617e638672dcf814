class Cart:
    """A shopping cart: products with a price and a quantity."""

    def __init__(self):
        self.products = {}

    def add(self, name, price, quantity=1):
        """Put quantity pieces of a product in the cart (a product keeps its first price)."""
        if name in self.products:
            self.products[name][1] += quantity
        else:
            self.products[name] = [price, quantity]

    def remove(self, name):
        """Take a product out of the cart completely; do nothing if it is not there."""
        self.products.pop(name, None)

    def count(self):
        """Return the number of pieces in the cart."""
        return sum(quantity for price, quantity in self.products.values())

    def total(self, discount_percent=0):
        """Return the price of everything, minus the discount, rounded to cents."""
        subtotal = sum(price * quantity for price, quantity in self.products.values())
        return round(subtotal * (100 - discount_percent) / 100, 2)

    def lines(self):
        """Return (name, quantity) tuples sorted by name."""
        return sorted((name, quantity) for name, (price, quantity) in self.products.items())
