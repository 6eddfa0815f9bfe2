"""The Audio studio: panel and its form (the player is shared: widgets/)."""
