"""Kind cues: explicit wording (建议, 表扬, 举报, 请问 …) shifting the learned kind probabilities.

The learned kind model sees few examples per kind, so a clear cue in the text is added to its
probabilities as a prior instead of being ignored whenever the model is confident.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

CUES: dict[str, re.Pattern[str]] = {
    "praise": re.compile(r"表扬|感谢|点赞|致谢|谢谢|辛苦了|锦旗|很负责|很耐心|非常耐心|周到|温馨"),
    "suggestion": re.compile(
        r"建议|提议|呼吁|希望(能|可以|增加|设置|开通|多|把|延长|尽快)|能不能.{0,8}(增加|设置|多开|开通|延长|提前)"
        r"|应该(增加|设置|多)|最好(能|可以)"
    ),
    "report": re.compile(
        r"举报|阴阳合同|以.{1,6}为名|拉客|偷排|偷偷|违法|违规|非法|黑作坊|黑诊所|黑车|盗采|盗刷|无证|没有.{0,4}(资质|资格|许可证)"
        r"|传销|诈骗|骗保|冒充|套取|聚众|赌博|私自|擅自|逃税"
    ),
    "consultation": re.compile(
        r"请问|咨询|怎么(办|申请|操作|交|查|补|领|提取)|如何|需要(什么|哪些)|要带|哪些材料|在哪(里|个)"
        r"|多久|多长时间|多少|是否|能不能(在|办|提|上)|可以.{0,6}吗|吗[？?]?$|[？?]$"
    ),
}
CUE_WEIGHT = {"praise": 1.0, "suggestion": 1.0, "report": 0.6, "consultation": 0.5}


def cue_prior(text: str, classes: Sequence[str]) -> np.ndarray:
    """Per-class bonus for the kinds whose cue words occur in `text` (zeros when none do)."""
    return np.array([CUE_WEIGHT[c] if c in CUES and CUES[c].search(text) else 0.0 for c in classes])


def blend_kind(text: str, classes: Sequence[str], probs: np.ndarray) -> str:
    """The learned probabilities plus the cue prior; the best class name."""
    return str(classes[int(np.argmax(np.asarray(probs) + cue_prior(text, classes)))])
