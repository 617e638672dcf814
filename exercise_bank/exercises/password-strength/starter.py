def password_score(password):
    """Return how many of the four strength rules the password meets (0 to 4)."""
    score = 0
    if len(password) > 8:
        score += 1
    return score
