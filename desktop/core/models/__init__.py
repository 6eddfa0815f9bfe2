"""The model manager's core: the curated catalog (a data file in resources/), resumable and
verified downloads from a Hugging Face-compatible hub, the models other apps already keep
(found and used in place), and whether a model fits this machine. No Qt; like every core
sub-package it imports core's root and itself, never a studio's folder."""
