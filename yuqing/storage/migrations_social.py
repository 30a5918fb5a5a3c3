"""Schema steps for social sources (issue 19): shares, the author's account and what the platform says about it.

Kept apart from :mod:`yuqing.storage.migrations` (which appends them to ``MIGRATIONS``) so that module stays small.
Elasticsearch gets the same fields in ``yuqing.storage.elasticsearch_layout.DOCUMENT_MAPPING``.
"""

from __future__ import annotations

# Counts and flags default to 0 so rows stored before the migration read as "no shares, not verified"; the follower
# count stays NULL (unknown) rather than 0, which would claim an account nobody follows.
SOCIAL_FIELDS = [
    "ALTER TABLE documents ADD COLUMN reposts INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE documents ADD COLUMN author_id TEXT",
    "ALTER TABLE documents ADD COLUMN author_verified INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE documents ADD COLUMN author_official INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE documents ADD COLUMN author_followers INTEGER",
    "ALTER TABLE documents ADD COLUMN repost_of TEXT",
]

SOCIAL_MIGRATIONS = [(30, "shares, the author's account and the reposted original on documents", "documents",
                      SOCIAL_FIELDS)]
