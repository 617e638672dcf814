def index_by_letter(text):
    """Return {first character: sorted distinct clean words starting with it}."""
    words = text.lower().split()
    return {word[0]: [w for w in words if w[0] == word[0]] for word in words}
