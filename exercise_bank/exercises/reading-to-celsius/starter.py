def to_celsius(reading):
    """Return the reading ('21.5C', '70F') in degrees Celsius; raise ValueError if it is malformed."""
    value = float(reading[:-1])
    if reading[-1] == "F":
        return (value - 32) * 5 / 9
    return value
