"""Rhythm branch: Extended Ballroom onset/periodicity features and a classifier trained on them."""
