"""dancecore: hears music and says which ballroom dance it is for."""
from dancecore.dances import DANCE_IDS, DANCES, Dance, resolve

__version__ = "0.1.0"
__all__ = ["DANCE_IDS", "DANCES", "Dance", "resolve", "__version__"]
