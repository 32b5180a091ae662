"""Evaluation of dance classifiers: metrics, the shared JSON report and its pictures, and the runner
that scores a CNN model file over a dataset like `dancecore classify` (with an optional noise sweep)."""
