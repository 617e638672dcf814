def index_by_letter(text):
    """Return {first character: sorted distinct clean words starting with it}."""
    words = {word.strip(".,!?;:").lower() for word in text.split()}
    words.discard("")
    return {letter: sorted(w for w in words if w[0] == letter) for letter in {w[0] for w in words}}
