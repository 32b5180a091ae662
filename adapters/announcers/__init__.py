"""Announcers: one module per protocol, each a small class behind `Announcer` (adapters.announcers.base)
that registers its configuration section, flags and builder (adapters.announcers.registry)."""
from adapters.announcers.base import Announcer, Announcers

__all__ = ["Announcer", "Announcers"]
