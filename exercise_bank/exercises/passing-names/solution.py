def passing_names(results, pass_mark=50):
    """Return the names (in order) of everyone whose score is at least pass_mark."""
    return [name for name, score in results if score >= pass_mark]
