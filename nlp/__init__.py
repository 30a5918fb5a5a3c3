"""NLP stage: segmentation, normalisation, sentiment, topic, near-duplicates and reply quality."""
