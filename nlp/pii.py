"""Kept for existing imports: PII masking lives in the kernel (``yuqing.privacy``), shared by every stage."""

from yuqing.privacy import *  # noqa: F401,F403
from yuqing.privacy import mask_name, mask_pii  # noqa: F401
