"""Entry point: ``streamlit run dashboard/app.py`` (or ``yuqing dashboard``).

Configuration comes from YUQING_CONFIG / YUQING_HOME like every other command. The dashboard is installed as
``yuqing.dashboard`` (pyproject.toml), so this script needs no path of its own.
"""

from yuqing.dashboard.common import run_app

run_app()
