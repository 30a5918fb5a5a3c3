"""The cleaner keeps the header of an official document and drops page residue.

Real 政务公开 pages carry a title, a 发文字号, an 索引号 table and an addressee line: short and
unpunctuated, they look like the link farms spam sites append, and drop_link_farms removed them
(「市审批办2017年度政务公开工作安排」, 索引号, 「各区人民政府,各委、局,各直属单位:」) while it kept
「扫描二维码关注我们」 and 「本文链接:http://…」. The header forms below are the ones those pages
use (国务院办公厅 and 北京市 政务公开 pages: bracketed or colon labels, 〔〕 numbers).
"""

from __future__ import annotations

import pytest

from yuqing.nlp.linkfarm import document_header_lines, drop_link_farms
from yuqing.nlp.normalize import html_to_text, normalize

# A 政务公开 page as html_to_text renders it: breadcrumb with a URL, the metadata table cell by
# cell, the title, the 文号, the addressee, the body, the 落款, then residue.
GOV_PAGE_TEXT = """首页 > 政务公开 > 通知公告
http://www.example.gov.cn/zwgk/
索引号：
11A000-0203-2017-00012
发布机构：
市审批办
生成日期：
2017-03-15
名称：
市审批办2017年度政务公开工作安排
文号：
京审批办发〔2017〕12号
市审批办2017年度政务公开工作安排
各区人民政府,各委、局,各直属单位:
为深入贯彻落实《中共中央办公厅 国务院办公厅印发〈关于全面推进政务公开工作的意见〉的通知》精神，现将2017年度政务公开工作安排如下。
一、加强政策解读
各单位要围绕重大决策部署，做好政策解读工作。
市审批办
2017年3月15日
扫描二维码关注我们
本文链接:http://www.example.gov.cn/art/2017/3/15/art_1_1.html
【打印本页】【关闭窗口】"""


def test_government_page_keeps_title_number_index_and_addressee_and_drops_residue():
    lines = normalize(GOV_PAGE_TEXT).split("\n")
    for kept in (
        "市审批办2017年度政务公开工作安排",
        "京审批办发〔2017〕12号",
        "索引号：",
        "11A000-0203-2017-00012",
        "各区人民政府,各委、局,各直属单位:",
        "一、加强政策解读",
        "市审批办",
        "2017年3月15日",
    ):
        assert kept in lines, kept
    text = "\n".join(lines)
    for gone in ("二维码", "本文链接", "打印", "关闭窗口", "http://", "首页"):
        assert gone not in text, gone


def test_header_lines_survive_inside_a_link_farm_run_while_the_farm_goes():
    # The breadcrumb and the URL are farm lines (STRONG); the header lines between them are exempt,
    # and the farm lines themselves are still dropped.
    lines = [
        "首页 | 政务公开 | 政策文件 | 通知公告",
        "http://www.example.gov.cn/zwgk/",
        "[索引号] 000014348/2017-00012",
        "[发文字号] 京政办发〔2017〕12号",
        "北京市人民政府办公厅关于印发2017年政务公开工作要点的通知",
        "各区人民政府，市政府各委、办、局，各市属机构：",
        "经市政府同意，现将《2017年政务公开工作要点》印发给你们，请认真贯彻落实。",
    ]
    assert drop_link_farms(lines) == lines[2:]


@pytest.mark.parametrize(
    "number",
    [
        "国办发〔2016〕80号",  # the 48-hour response rule (DEVELOPERS.md)
        "国办发〔2016〕61号",
        "京政办发[2017]12号",
        "湘政函（2019）45号",
        "粤府令第 251 号",
    ],
)
def test_document_numbers_are_kept_in_a_farm_run(number):
    lines = ["网站首页 | 政务公开 | 政策文件", "www.example.gov.cn", number, "各县市区人民政府：", "现将有关事项通知如下。各地要抓紧落实。"]
    kept = drop_link_farms(lines)
    assert number in kept
    assert "www.example.gov.cn" not in kept


@pytest.mark.parametrize(
    "addressee",
    [
        "各区人民政府,各委、局,各直属单位:",
        "各区人民政府，市政府各委、办、局，各市属机构：",
        "各县（市、区）人民政府，市政府各部门：",
        "各乡镇人民政府、街道办事处，县直各单位：",
        "省政府各部门、各直属机构：",
        "各街道：",
    ],
)
def test_addressee_lines_are_document_headers(addressee):
    lines = ["http://www.example.gov.cn/", "首页 | 政务公开 | 政策文件 | 通知公告", addressee, "现将有关事项通知如下，请遵照执行。"]
    assert 2 in document_header_lines(lines)
    assert addressee in drop_link_farms(lines)


@pytest.mark.parametrize(
    "field",
    [
        "索引号：000014348/2017-00012",
        "[索引号] 11A000-0203-2017-00012",
        "【发文字号】京政办发〔2017〕12号",
        "发文机关：北京市人民政府办公厅",
        "成文日期：2017年03月15日",
        "主送机关：各区人民政府，市政府各委、办、局",
        "索引号：000014348/2017-00012 发布机构：北京市人民政府办公厅 成文日期：2017年03月15日",
    ],
)
def test_labelled_fields_are_document_headers(field):
    lines = ["首页 | 政务公开 | 政策文件 | 通知公告", field, "各区人民政府：", "现将有关事项通知如下，请遵照执行。"]
    assert 1 in document_header_lines(lines)


def test_value_under_a_bare_label_is_kept_but_not_the_label_of_a_farm():
    lines = ["[发文机构]", "北京市审批办", "[成文日期]", "2017年03月15日", "现将工作安排印发给你们，请认真落实。"]
    assert document_header_lines(lines) >= {0, 1, 2}


def test_title_is_protected_only_above_the_body_and_not_in_a_list_of_documents():
    body = "经市政府同意，现将有关事项通知如下，请认真贯彻执行。"
    title = "关于做好2017年政务公开工作的通知"
    assert 0 in document_header_lines([title, body])
    # after the body: a related-documents list, not the header
    assert document_header_lines([body, title]) == set()
    # three document titles stacked together above the body are a sidebar list
    sidebar = ["关于印发某某办法的通知", "关于开展春季植树活动的通知", "关于调整公积金缴存基数的通知", body]
    assert document_header_lines(sidebar) == set()


def test_trailing_list_of_document_titles_is_still_a_farm():
    raw = (
        "市政府召开常务会议，研究部署安全生产工作。\n关于印发某某办法的通知\n市长调研农业生产\n"
        "区领导走访企业\n全市教育工作会议召开\n春季植树活动启动"
    )
    assert normalize(raw) == "市政府召开常务会议，研究部署安全生产工作。"


def test_spam_farm_next_to_a_document_number_is_still_dropped():
    lines = [
        "国办发〔2016〕80号",
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
        "现将有关事项通知如下，请认真贯彻执行。",
        "澳门赌场 在线博彩 百家乐 真人娱乐",
        "皇冠体育官网",
        "新葡京娱乐城开户",
        "www.xxbet.com",
    ]
    assert drop_link_farms(lines) == lines[:3]


def test_a_document_that_names_spam_words_is_not_protected():
    # Protection never extends to a line with a spam word or a URL.
    lines = ["关于打击网络赌博的通知 www.xxbet.com", "现将有关事项通知如下，请认真贯彻执行。"]
    assert document_header_lines(lines) == set()


def test_title_broken_over_lines_and_its_note_are_kept():
    # The 国务院公报 form: the title in three <br> lines, then the 题注.
    lines = [
        "首页 > 国务院公报 > 2007年第23号",
        "https://www.gov.cn/",
        "全国人民代表大会常务委员会",
        "关于批准财政部发行特别国债购买外汇及",
        "调整2007年末国债余额限额的决议",
        "（2007年6月29日第十届全国人民代表大会常务委员会第二十八次会议通过）",
        "第十届全国人民代表大会常务委员会第二十八次会议，听取了财政部部长的说明，并对议案进行了审议。",
    ]
    assert drop_link_farms(lines) == lines[2:]


@pytest.mark.parametrize(
    "residue",
    [
        "扫描二维码关注我们",
        "本文链接:http://www.example.gov.cn/art/2017/3/15/art_1_1.html",
        "本页网址：http://www.example.gov.cn/zwgk/2017/0315/12.html",
        "扫描上方二维码关注微信公众号",
        "分享到：微信 微博 QQ空间",
        "【打印本页】【关闭窗口】",
        "打印",
        "关闭窗口",
        "[ 打印 ] [ 关闭 ]",
    ],
)
def test_page_residue_is_dropped(residue):
    text = "市政府召开常务会议，研究部署安全生产工作。\n" + residue + "\n会议强调，要压实各方责任。"
    assert normalize(text) == "市政府召开常务会议，研究部署安全生产工作。\n会议强调，要压实各方责任。"


@pytest.mark.parametrize(
    "sentence",
    [
        "市民可扫描二维码进行预约，也可拨打12345热线咨询。",
        # a citizen message quoting the reply it answers (real messages_with_replies row)
        "原文链接：咨询J11市计划生育政策的几个问题根据这份答复是不是只要符合条件就可以享受独生子女政策。",
        "请各单位于3月底前将打印好的材料报送市审批办，逾期不再受理。",
    ],
)
def test_sentences_that_mention_residue_words_are_kept(sentence):
    assert normalize(sentence) == sentence


def test_html_page_with_form_wrapped_article_and_premature_html_end():
    html = """<html><head><title>x</title></head><body><div class="top"><a href="/">首页</a></div></body></html>
    <div class="content"><form name="_newscontent_fromname">
    <p>市审批办2017年度政务公开工作安排</p><p>京审批办发〔2017〕12号</p><p>各区人民政府,各委、局,各直属单位:</p>
    <p>为深入贯彻落实全面推进政务公开工作的意见，现将2017年度政务公开工作安排如下。各单位要认真落实。</p>
    </form><form><input name="q"><a href="/s">搜索</a></form>
    <div class="qr">扫描二维码关注我们</div><div>本文链接:http://www.example.gov.cn/art/2017/3/15/art_1_1.html</div></div>"""
    assert normalize(html_to_text(html)).split("\n") == [
        "市审批办2017年度政务公开工作安排",
        "京审批办发〔2017〕12号",
        "各区人民政府,各委、局,各直属单位:",
        "为深入贯彻落实全面推进政务公开工作的意见，现将2017年度政务公开工作安排如下。各单位要认真落实。",
    ]


# ---------------------------------------------------------------------------------------------
# The shared real pages. Among the 51 saved pages, the government ones are tests/other (国务院公报:
# a 全国人大常委会 决议), tests/sxmu (the 监察法 on a 纪检监察 page of a VSB-CMS site), tests/gzggw
# (浙江省发展和改革委员会, 政务公开 column), tests/shanxi (山西省人民政府网站), tests/zsnews
# (大良街道东区办事处) and tests/cmse (中国载人航天工程网). None carries an 索引号 table or a 文号; their
# headers are titles, 题注 and 发布日期/信息来源 lines, plus print/share/QR residue.

GOV_PAGES = ("tests/other/1.html", "tests/sxmu/1.html", "tests/gzggw/1.html", "tests/shanxi/1.html", "tests/zsnews/1.html", "tests/cmse/1.html")


def _html_path_text(path) -> list[str]:
    from yuqing.crawlers.extract.charset import decode_html

    html, _ = decode_html(path.read_bytes(), None)
    return normalize(html_to_text(html)).split("\n")


def test_shared_gazette_page_keeps_its_three_line_title_and_note(news_pages):
    lines = _html_path_text(news_pages / "tests/other/1.html")
    start = lines.index("全国人民代表大会常务委员会")
    assert lines[start : start + 4] == [
        "全国人民代表大会常务委员会",
        "关于批准财政部发行特别国债购买外汇及",
        "调整2007年末国债余额限额的决议",
        "（2007年6月29日第十届全国人民代表大会常务委员会第二十八次会议通过）",
    ]
    assert lines[start + 4].startswith("第十届全国人民代表大会常务委员会第二十八次会议，听取了")
    assert "扫一扫在手机打开当前页" not in lines and "打印" not in lines


def test_shared_law_page_keeps_its_body(news_pages):
    lines = _html_path_text(news_pages / "tests/sxmu/1.html")
    assert "中华人民共和国监察法" in lines
    articles = [line for line in lines if line.startswith("第") and "条" in line[:6]]
    assert len(articles) >= 60  # the 监察法 has 69 articles


def test_shared_government_pages_keep_titles_and_bodies_and_lose_residue(news_pages):
    from yuqing.crawlers.extract import extract_article

    for page in GOV_PAGES:
        path = news_pages / page
        lines = _html_path_text(path)
        extracted = extract_article(path.read_bytes())
        title = normalize(extracted["title"])
        body = [line for line in normalize(extracted["content"]).split("\n") if len(line) > 15]
        text = "".join(lines)
        assert title.replace("\n", "") in text, page
        # every sentence the extractor finds is in the cleaned page text too
        assert all(line in text for line in body[:20]), page
        for residue in ("打印", "关闭", "分享", "扫一扫在手机打开当前页"):
            assert residue not in lines, (page, residue)


def test_shared_pages_lose_qr_prompts(news_pages):
    lines = _html_path_text(news_pages / "tests/stcn/1.html")
    assert "扫描上方二维码关注微信公众号" not in lines
    assert "扫描上方二维码下载客户端" not in lines
