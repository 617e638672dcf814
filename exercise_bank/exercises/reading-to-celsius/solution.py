def to_celsius(reading):
    """Return the reading ('21.5C', '70F') in degrees Celsius; raise ValueError if it is malformed."""
    reading = reading.strip()
    if not reading:
        raise ValueError("empty reading")
    unit = reading[-1].upper()
    value = float(reading[:-1])
    if unit == "C":
        return value
    if unit == "F":
        return round((value - 32) * 5 / 9, 1)
    raise ValueError(f"unknown unit {unit!r}")
