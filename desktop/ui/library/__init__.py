"""The Library: panel, actions, filters, collections, details, viewer, gallery transfer."""
