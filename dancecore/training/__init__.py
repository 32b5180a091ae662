"""Training dance classifiers: `train` runs the thesis protocol from a TrainConfig (see config.py)."""
from dancecore.training.config import TrainConfig, config_from_dict, load_config
from dancecore.training.loop import Interrupted, TrainResult, prepare, train

__all__ = ["TrainConfig", "config_from_dict", "load_config", "Interrupted", "TrainResult", "prepare", "train"]
