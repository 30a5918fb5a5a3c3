"""Article extraction on small synthetic pages built for each trap real crawls hit."""

from __future__ import annotations

import json

import pytest

from yuqing.crawlers.extract import article_links, decode_html, extract_article, is_list_page, next_page_links
from yuqing.crawlers.extract.cli import extract_main
from yuqing.crawlers.extract.evaluate import char_f1, garbled

PARAS = [
    "市生态环境局今天通报了今年前三季度全市空气质量情况，优良天数比例达到百分之八十五，同比上升三个百分点。",
    "通报指出，细颗粒物平均浓度为每立方米三十二微克，同比下降百分之八，臭氧污染在夏季仍然比较突出。",
    "下一步，各区将加强工地扬尘和柴油货车管控，并在秋冬季开展重污染天气应急减排，确保完成年度目标任务。",
]
TITLE = "前三季度全市空气质量优良天数比例达85%"


def page(body_extra: str = "", head_extra: str = "", charset: str = "utf-8", paras=PARAS) -> str:
    ps = "".join(f"<p>{p}</p>" for p in paras)
    nav = "".join(f'<li><a href="/col/{i}/">栏目{i}</a></li>' for i in range(12))
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>{TITLE}_某市人民政府网</title>{head_extra}</head>
<body><div class="header"><ul class="nav">{nav}</ul></div>
<div class="main"><div class="article"><h1>{TITLE}</h1>
<div class="info">发布时间：2019年09月07日 10:30　来源：某市生态环境局　作者：张三</div>
<div class="content">{ps}</div>{body_extra}</div></div>
<div class="footer">版权所有：某市人民政府办公室 ICP备12345678号 2008-2019</div></body></html>"""


def test_basic_fields():
    r = extract_article(page())
    assert r["title"] == TITLE
    assert r["published_at"] == "2019-09-07T10:30:00+08:00"
    assert r["source"] == "某市生态环境局"
    assert r["author"] == "张三"
    assert r["content"].split("\n") == PARAS


def test_gbk_page_is_decoded():
    raw = page(charset="gbk").encode("gbk")
    text, enc = decode_html(raw)
    assert enc == "gb18030"
    assert TITLE in text
    r = extract_article(raw)
    assert r["title"] == TITLE and r["content"].split("\n") == PARAS


def test_gb18030_only_characters_survive_gb2312_declaration():
    # 镕 is outside GB2312; a page declaring gb2312 may still contain it
    raw = page(charset="gb2312", paras=["朱镕基同志的讲话在会上引起热烈反响，代表们纷纷表示要认真学习贯彻。"] * 3).encode("gb18030")
    text, _ = decode_html(raw)
    assert "朱镕基" in text


def test_declared_gb2312_but_utf8_bytes():
    raw = page(charset="gb2312").encode("utf-8")
    text, enc = decode_html(raw)
    assert enc == "utf-8"
    r = extract_article(raw)
    assert r["title"] == TITLE
    assert not garbled(r["content"])
    assert r["content"].split("\n") == PARAS


def test_http_header_charset_used_for_undeclared_gbk():
    html = page().replace('<meta charset="utf-8">', "")
    raw = html.encode("gbk")
    text, enc = decode_html(raw, declared="GBK")
    assert enc == "gb18030" and TITLE in text
    # without any declaration the bytes are still identified as Chinese
    text2, _ = decode_html(raw)
    assert TITLE in text2


def test_prev_next_and_share_bar_removed():
    extra = """<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a><a href="#">QQ空间</a></div>
<div class="prenext"><p>上一篇：<a href="/a/1.html">全市召开秋冬季大气污染防治工作会议</a></p>
<p>下一篇：<a href="/a/3.html">我市新增三个省级生态文明建设示范区</a></p></div>
<p>扫一扫在手机打开当前页</p><p>【打印本页】【关闭窗口】</p>"""
    r = extract_article(page(extra))
    assert r["content"].split("\n") == PARAS
    for junk in ("上一篇", "下一篇", "分享到", "扫一扫", "打印本页"):
        assert junk not in r["content"]


def test_link_farm_appended_to_repost():
    farm = "".join(
        f'<a href="http://spam{i}.example.com/">{w}</a> '
        for i, w in enumerate(["彩票开奖结果查询", "体育投注官网", "时时彩平台注册", "棋牌游戏下载"] * 10)
    )
    html = page().replace("</div></div>\n<div class=\"footer\">", f"<div>{farm}</div></div></div>\n<div class=\"footer\">")
    r = extract_article(html)
    assert r["content"].split("\n") == PARAS
    assert "彩票" not in r["content"] and "投注" not in r["content"]


def test_official_document_keeps_number_addressee_and_signature():
    # A 政务公开 notice: the 发文字号 and a short addressee head the text and the signing organ and
    # 成文日期 end it; all short and unpunctuated like chrome, all the document's own.
    doc = (
        '<p style="text-align:center">国办发〔2016〕80号</p><p>各区人民政府：</p>'
        + "".join(f"<p>{p}</p>" for p in PARAS)
        + '<p style="text-align:right">某市生态环境局</p><p style="text-align:right">2019年9月7日</p>'
    )
    html = page().replace(f'<div class="content">{"".join(f"<p>{p}</p>" for p in PARAS)}</div>', f'<div class="content">{doc}</div>')
    html = html.replace("</div></div>\n<div class=\"footer\">", "<p>扫描二维码关注我们</p><p>【打印本页】【关闭窗口】</p></div></div>\n<div class=\"footer\">")
    r = extract_article(html)
    assert r["content"].split("\n") == ["国办发〔2016〕80号", "各区人民政府："] + PARAS + ["某市生态环境局", "2019年9月7日"]
    assert r["title"] == TITLE


def test_byline_organ_without_date_is_still_trimmed():
    html = page().replace("</div></div>\n<div class=\"footer\">", "<p>某市生态环境局</p></div></div>\n<div class=\"footer\">")
    assert extract_article(html)["content"].split("\n") == PARAS


def test_related_list_and_footer_date_not_taken():
    related = "".join(f'<li><a href="/a/{i}.html">相关报道第{i}篇关于空气质量的新闻标题</a><span>2018-01-0{i}</span></li>' for i in range(1, 8))
    html = page(f'<div class="related"><h3>相关新闻</h3><ul>{related}</ul></div>').replace(
        '<div class="info">发布时间：2019年09月07日 10:30　来源：某市生态环境局　作者：张三</div>', ""
    )
    r = extract_article(html)
    # no date near the headline: a related-list date must not be picked up
    assert r["published_at"] is None or not r["published_at"].startswith("2018-01")
    assert "相关报道" not in r["content"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("时间：2019-09-07 10:30:00", "2019-09-07T10:30:00+08:00"),
        ("日期：2019/9/7", "2019-09-07T00:00:00+08:00"),
        ("2019.09.07", "2019-09-07T00:00:00+08:00"),
        ("发布时间：2019年9月7日", "2019-09-07T00:00:00+08:00"),
    ],
)
def test_date_formats_in_byline(text, expected):
    html = page().replace("发布时间：2019年09月07日 10:30", text)
    assert extract_article(html)["published_at"] == expected


def test_meta_published_time_preferred_and_converted_to_shanghai():
    head = '<meta property="article:published_time" content="2019-09-07T02:30:00Z">'
    assert extract_article(page(head_extra=head))["published_at"] == "2019-09-07T10:30:00+08:00"


def test_title_site_suffix_removed_when_no_h1():
    html = page().replace(f"<h1>{TITLE}</h1>", "").replace(f"<title>{TITLE}_某市人民政府网</title>", f"<title>{TITLE} - 人民网</title>")
    assert extract_article(html)["title"] == TITLE


def test_truncated_page_keeps_what_arrived():
    html = page()
    cut = html[: html.index(PARAS[2][:10]) + 5]  # stops in the middle of the third paragraph
    r = extract_article(cut)
    assert r["title"] == TITLE
    assert PARAS[0] in r["content"] and PARAS[1] in r["content"]
    truncated_bytes = page().encode("utf-8")[:-7]
    truncated_bytes = truncated_bytes[: len(truncated_bytes) - 1]  # may split a multibyte character
    assert extract_article(truncated_bytes)["title"] == TITLE


@pytest.mark.parametrize("junk", [b"", b"   ", bytes(range(256)) * 50, b"\x89PNG\r\n\x1a\n" + bytes(2000), "", None, 12345])
def test_garbage_gives_empty_fields_without_crashing(junk):
    r = extract_article(junk)
    assert set(r) == {"title", "published_at", "author", "source", "content"}
    assert r["content"] == "" and r["title"] == "" and r["published_at"] is None


def test_list_page_detection_and_links():
    items = "".join(
        f'<li><a href="/news/2019/09/{i:02d}/c{1000 + i}.html">第{i}条：全市各区推进老旧小区改造工作的最新进展情况</a><span>2019-09-{i:02d}</span></li>'
        for i in range(1, 26)
    )
    html = f"""<html><head><title>要闻动态_某市人民政府网</title></head><body><ul class="nav"><li><a href="/">首页</a></li></ul>
<ul class="list">{items}</ul><div class="page"><a href="index_1.html">下一页</a><a href="index_5.html">尾页</a></div>
<a href="http://other.example.com/news/2019/09/01/x1.html">外站链接的标题文字足够长度的一条新闻</a></body></html>"""
    base = "http://www.example.gov.cn/news/index.html"
    assert is_list_page(html, base)
    links = article_links(html, base)
    assert len(links) == 25
    assert links[0] == "http://www.example.gov.cn/news/2019/09/01/c1001.html"
    assert all("other.example.com" not in u for u in links)
    assert next_page_links(html, base) == ["http://www.example.gov.cn/news/index_1.html"]
    assert not is_list_page(page(), "http://www.example.gov.cn/news/2019/09/07/c1.html")


def test_char_f1():
    assert char_f1("甲乙丙", "甲 乙\n丙") == 1.0
    assert char_f1("", "甲") == 0.0
    assert 0 < char_f1("甲乙", "甲丙") < 1


def test_cli_file_json(tmp_path, capsys):
    f = tmp_path / "a.html"
    f.write_bytes(page(charset="gb2312").encode("gbk"))
    assert extract_main([str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["title"] == TITLE and out["content"].split("\n") == PARAS


def test_cli_missing_file_is_a_clear_error(tmp_path, capsys):
    assert extract_main([str(tmp_path / "nope.html"), "--json"]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_cli_page_the_extractor_fails_on_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    # Thousands of unclosed <font> tags: libxml2 nests them all and the extractor's recursive walk gives up.
    f = tmp_path / "deep.html"
    f.write_text(page(body_extra="<font>" * 3000 + "<p>埋在几千层标签下面的一段文字。</p>"), encoding="utf-8")
    assert extract_main([str(f)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("抽取失败：抽取器无法处理这个页面（RecursionError:")
    assert "Traceback" not in captured.err


def test_article_after_a_premature_html_end_is_extracted():
    # A CMS template that includes a complete header document ends the page early; the article follows it.
    head = "<html><head><title>通知</title></head><body><div class='top'><a href='/'>首页</a></div></body></html>"
    article = "".join(f"<p>{p}</p>" for p in PARAS)
    r = extract_article(f"{head}<div class='article'><h1>{TITLE}</h1><div class='content'>{article}</div></div>")
    assert r["content"].split("\n") == PARAS
