"""Entry point: ``streamlit run dashboard/app.py`` (or ``yuqing dashboard``).

Configuration comes from YUQING_CONFIG / YUQING_HOME like every other command.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # streamlit puts only this file's directory on the path
    sys.path.insert(0, str(ROOT))

from dashboard.common import run_app  # noqa: E402

run_app()
