"""Train and evaluate the sentiment and topic models from ../shared/data.

    yuqing train topic [--data DIR] [--out FILE]
    yuqing train sentiment [--data DIR] [--out FILE]

common.py: splits, metrics, hashed TF-IDF, export; topic.py and sentiment.py: one model each; cli.py: the command.
"""
