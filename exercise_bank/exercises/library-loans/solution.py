class Library:
    """Books on the shelf and the books each member has borrowed."""

    MAX_LOANS = 3

    def __init__(self):
        self.shelf = {}
        self.loans = {}

    def add_book(self, title, copies=1):
        """Put more copies of a book on the shelf."""
        self.shelf[title] = self.shelf.get(title, 0) + copies

    def lend(self, title, member):
        """Lend one copy to member (True), or refuse and change nothing (False)."""
        held = self.loans.get(member, [])
        if not self.shelf.get(title) or len(held) >= self.MAX_LOANS or title in held:
            return False
        self.shelf[title] -= 1
        self.loans[member] = held + [title]
        return True

    def give_back(self, title, member):
        """Take back the member's copy (True), or refuse if they do not have it (False)."""
        held = self.loans.get(member, [])
        if title not in held:
            return False
        held.remove(title)
        self.shelf[title] += 1
        return True

    def available(self, title):
        """Return how many copies of title are on the shelf."""
        return self.shelf.get(title, 0)

    def loans_of(self, member):
        """Return a new sorted list of the titles member has borrowed."""
        return sorted(self.loans.get(member, []))
