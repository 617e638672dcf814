def word_frequencies(text):
    """Return a dict mapping each lower-case word of text to its count."""
    counts = {}
    for word in text.lower().split():
        word = word.strip(".,!?;:")
        if word:
            counts[word] = counts.get(word, 0) + 1
    return counts
