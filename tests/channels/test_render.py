"""WeChat rendering: numbered options, links, and the 2048-byte passive reply limit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from channels.messages import Button, OutboundMessage
from channels.wechat.render import PASSIVE_LIMIT, render_text, split_utf8


def test_buttons_become_numbered_options_and_links_are_shown() -> None:
    text, options = render_text(
        [
            OutboundMessage(
                text="您要办理哪一项？",
                buttons=[
                    Button(title="居住证申领", payload="/a"),
                    Button(title="都不是", payload="/b"),
                ],
            ),
            OutboundMessage(text="申请表已生成", link="https://example.org/applications/x.pdf"),
        ]
    )
    assert "1. 居住证申领" in text and "2. 都不是" in text and "回复数字" in text
    assert "链接：https://example.org/applications/x.pdf" in text
    assert [o.payload for o in options] == ["/a", "/b"]


@given(st.text(alphabet=st.sampled_from(list("居住证办理材料\n。abc1")), max_size=6000))
def test_split_keeps_every_character_within_the_byte_limit(text: str) -> None:
    chunks = split_utf8(text)
    assert all(len(c.encode()) <= PASSIVE_LIMIT for c in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "").strip() or not text.strip()


def test_long_answer_splits_on_line_breaks() -> None:
    text = "\n".join(f"{i}. 申请材料第{i}项，原件一份，复印件一份" for i in range(200))
    chunks = split_utf8(text)
    assert len(chunks) > 1
    assert all(c.splitlines()[0][0].isdigit() for c in chunks)
