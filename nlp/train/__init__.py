"""Train and evaluate the sentiment, topic and emotion models from ../shared/data.

    yuqing train topic [--data DIR] [--out FILE]
    yuqing train sentiment [--data DIR] [--out FILE]
    yuqing train emotion [--data DIR] [--out FILE]

Each prints, in the same run and on the same held-out splits, the new model beside a plain baseline
(character 1-3-gram TF-IDF + logistic regression / linear SVM on the same training data) and, for
sentiment, stock SnowNLP.

common.py: splits, metrics, hashed TF-IDF, export; topic.py, sentiment.py (+ sentiment_data.py), emotion.py:
the shipped recipes; calibrate.py: the topic calibration; sentiment_round3.py: the previous round's sentiment
recipe (validate-sentiment, compare-snownlp); cli.py: the command. Import names from the module that defines them.
"""
