"""Find a font that can draw Chinese, for the keyword cloud and the report charts.

Nothing is downloaded: we ask fontconfig, then try the paths Debian's ``fonts-wqy-microhei`` /
``fonts-noto-cjk`` packages install to. ``None`` means no CJK font is installed; callers say so to the user.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

KNOWN_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
NO_FONT_MESSAGE = ("未找到中文字体，图表中的中文无法显示。请安装：sudo apt-get install fonts-wqy-microhei"
                   "（或 fonts-noto-cjk），也可用环境变量 YUQING_CJK_FONT 指定字体文件")


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> Path | None:
    explicit = os.environ.get("YUQING_CJK_FONT")
    if explicit and Path(explicit).is_file():
        return Path(explicit)
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        files = sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})
        # Prefer sans faces (readable on a big screen) over serif/ming ones.
        files.sort(key=lambda f: (not any(k in f.lower() for k in ("hei", "sans")), f))
        for f in files:
            if Path(f).is_file():
                return Path(f)
    for f in KNOWN_PATHS:
        if Path(f).is_file():
            return Path(f)
    return None
