class TemperatureLog:
    """Daily temperature readings for one city."""

    def __init__(self, city):
        self.city = city
        self.readings = []

    def record(self, value):
        """Add one day's reading."""
        self.readings.append(value)

    def highest(self):
        """Return the highest reading, or None if there are none."""
        if not self.readings:
            return None
        return max(self.readings)

    def lowest(self):
        """Return the lowest reading, or None if there are none."""
        if not self.readings:
            return None
        return min(self.readings)

    def average(self):
        """Return the mean reading rounded to 1 decimal, or None if there are none."""
        if not self.readings:
            return None
        return round(sum(self.readings) / len(self.readings), 1)

    def warm_days(self, limit=25):
        """Return how many readings were at least limit."""
        return len([r for r in self.readings if r >= limit])
