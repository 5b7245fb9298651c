"""The risk detector's labelled evaluation set and the code that scores a detector on it."""
