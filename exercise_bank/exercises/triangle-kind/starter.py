def triangle_kind(a, b, c):
    """Return 'impossible', 'equilateral', 'isosceles' or 'scalene' for sides a, b, c."""
    if a == b == c:
        return "equilateral"
    if a == b or b == c or a == c:
        return "isosceles"
    return "scalene"
