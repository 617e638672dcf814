class RoomCounter:
    """Counts the people in a room that holds at most `capacity` people."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.people = 0

    def enter(self):
        """Let one person in (True), or refuse because the room is full (False)."""
        if self.is_full():
            return False
        self.people += 1
        return True

    def leave(self):
        """Let one person out (True), or refuse because the room is empty (False)."""
        if self.people == 0:
            return False
        self.people -= 1
        return True

    def is_full(self):
        """Return True when the room holds as many people as it may."""
        return self.people >= self.capacity

    def free_places(self):
        """Return how many more people may come in."""
        return self.capacity - self.people
