def password_score(password):
    """Return how many of the four strength rules the password meets (0 to 4)."""
    has_digit = False
    has_upper = False
    has_lower = False
    for ch in password:
        if ch.isdigit():
            has_digit = True
        elif ch.isupper():
            has_upper = True
        elif ch.islower():
            has_lower = True
    score = 0
    if len(password) >= 8:
        score += 1
    if has_digit:
        score += 1
    if has_upper:
        score += 1
    if has_lower:
        score += 1
    return score
