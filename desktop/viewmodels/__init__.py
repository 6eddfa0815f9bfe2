"""Qt item models and observable view state (QtCore/QtGui only, no widgets): model lists,
the Library's items and thumbnails, conversations, settings. Named for what they are, so
that "models" elsewhere means AI models."""
