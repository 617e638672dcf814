def word_frequencies(text):
    """Return a dict mapping each lower-case word of text to its count."""
    counts = {}
    for word in text.split():
        counts[word] = 1
    return counts
