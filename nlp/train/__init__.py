"""Train and evaluate the sentiment and topic models from ../shared/data.

    yuqing train topic [--data DIR] [--out FILE]
    yuqing train sentiment [--data DIR] [--out FILE]
    yuqing train emotion [--data DIR] [--out FILE]

Each prints, in the same run and on the same held-out splits, the new model beside a plain baseline
(character 1-3-gram TF-IDF + logistic regression / linear SVM on the same training data) and, for
sentiment, stock SnowNLP.

common.py: splits, metrics, hashed TF-IDF, export; topic.py, sentiment.py (+ sentiment_data.py), emotion.py:
the shipped recipes; topic_round3.py, sentiment_round3.py: the previous rounds' recipes;
cli.py: the command. Names are re-exported here so ``from nlp.train import …`` keeps working.
"""

from nlp.train.cli import main  # noqa: F401
from nlp.train.common import (  # noqa: F401
    Progress, stable_key, stratified_holdout, _read_csv, macro_f1, recall, count_matrix, fit_idf, tfidf,
    KEEP_WEIGHT_ROWS, _export, save_scored,
)
from nlp.train.topic import (  # noqa: F401
    TOPIC_MODEL_PATH, TOPIC_TEST_FRACTION, DEDUP_CONTAINMENT, raw_message_text, topic_raw_split, _dedupe_tokens,
    topic_datasets, TOPIC_SVM_C, TOPIC_TEMPERATURE, train_topic,
)
from nlp.train.topic_round3 import evaluate_topic, fit_topic  # noqa: F401
from nlp.train.sentiment_data import (  # noqa: F401
    SENTIMENT_MODEL_PATH, NOTICES_PATH, THANKS_PATH, SENTIMENT_TEST_FRACTION, COVID_NEGATIVE, COVID_MAP,
    sentiment_heldout, sentiment_datasets, GOV_EVAL_PATH, GOV_FILES, WEAK_NEGATIVE_RE, WEAK_NEUTRAL_RE,
    WEAK_POSITIVE_RE, gov_letter_text, _gov_rows, gov_sentiment_eval, weak_label, gov_weak_labelled,
    evaluate_gov_sentiment, OTHER_SET_CAP, SENTIMENT_CHAR_NGRAMS, SENTIMENT_LR_C, SENTIMENT_CLASS_WEIGHT,
    GOV_WEAK_WEIGHT, sentiment_tokens,
)
from nlp.train.sentiment_round3 import evaluate_sentiment, fit_sentiment, compare_snownlp, validate_sentiment  # noqa: F401
from nlp.train.sentiment import train_sentiment  # noqa: F401
