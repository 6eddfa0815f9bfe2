"""The Text and Code studios: panels, chat view, conversation sidebar, sampling form, code highlighting."""
