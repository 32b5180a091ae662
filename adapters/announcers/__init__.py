"""Announcers: one small class per protocol behind `Announcer` (adapters.announcers.base)."""
from adapters.announcers.base import Announcer, Announcers

__all__ = ["Announcer", "Announcers"]
