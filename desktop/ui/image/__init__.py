"""The Image studio: panel, form, mask painting, results strip."""
