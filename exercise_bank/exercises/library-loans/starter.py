class Library:
    """Books on the shelf and the books each member has borrowed."""

    MAX_LOANS = 3

    def __init__(self):
        self.shelf = {}
        self.loans = {}

    def add_book(self, title, copies=1):
        """Put more copies of a book on the shelf."""
        self.shelf[title] = copies

    def lend(self, title, member):
        """Lend one copy to member (True), or refuse and change nothing (False)."""
        self.shelf[title] = self.shelf.get(title, 0) - 1
        self.loans.setdefault(member, []).append(title)
        return True

    def give_back(self, title, member):
        """Take back the member's copy (True), or refuse if they do not have it (False)."""
        self.loans[member].remove(title)
        self.shelf[title] += 1
        return True

    def available(self, title):
        """Return how many copies of title are on the shelf."""
        return self.shelf[title]

    def loans_of(self, member):
        """Return a new sorted list of the titles member has borrowed."""
        return self.loans.get(member, [])
