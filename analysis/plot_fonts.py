"""The CJK font for bidsim's figures (plot.py, landscape_plot.py): plan,
product and shop names are often Chinese, and matplotlib's default font has
none of their glyphs."""
import os
import shutil
import subprocess

import matplotlib.pyplot as plt
from matplotlib import font_manager

# CJK fonts Debian ships, in order of preference (fonts-noto-cjk first)
CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/truetype/arphic/uming.ttc")


def has_cjk(s):
    return any("\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" or "\uff00" <= c <= "\uffef" for c in s)


def use_cjk_font():
    """Put a CJK font after DejaVu Sans in matplotlib's fallback list, so
    Chinese plan and product names render instead of empty boxes. The font
    is registered from its file (matplotlib's font cache predates fonts
    installed after it was built); fontconfig is asked when none of
    Debian's usual files is there. Returns the family name, or None."""
    paths = [p for p in CJK_FONTS if os.path.exists(p)]
    if not paths and shutil.which("fc-match"):
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True, text=True,
                                   timeout=10).stdout.strip()
            if found and os.path.exists(found) and ("CJK" in found.upper() or "WQY" in found.upper()):
                paths = [found]
        except (OSError, subprocess.SubprocessError):
            pass
    for path in paths:
        try:
            font_manager.fontManager.addfont(path)
            name = font_manager.FontProperties(fname=path).get_name()
        except (OSError, RuntimeError, ValueError):
            continue
        plt.rcParams["font.family"] = ["DejaVu Sans", name]
        return name
    return None
