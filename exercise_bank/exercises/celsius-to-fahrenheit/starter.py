def to_fahrenheit(celsius):
    """Return the temperature celsius converted to degrees Fahrenheit (a float)."""
    return celsius * 9 / 5
