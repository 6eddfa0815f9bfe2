"""The window around the studios: main window, studio list, jobs bar, settings, theme, library prompts."""
