"""`dancecore build-model RECIPE.yaml`: the shipped model rebuilt step by step, resumably.

recipe.py (the YAML, validated), steps.py (what makes a step skip or rerun), pipeline.py (the steps in
order), and one module per job: render.py and noise.py (training audio), cnn.py, scores.py (the
validation songs through the networks), select.py (fusion and "not sure" by the written rules),
non_music.py, assemble.py (the model file) and card.py (the model card from its metadata).
"""
