"""yuqing.text.adopt_trailing_documents: what follows a premature </html> is moved into the page's body."""

from __future__ import annotations

from lxml import etree, html as lhtml

from yuqing.text import adopt_trailing_documents

# A CMS template that includes a complete header document: libxml2 ends the page at the first </html> and leaves
# what follows beside the root, where text_content() never sees it.
PAGE = """<html><head><title>公报</title></head><body><div class="top"><a href="/">首页</a></div></body></html>
<div class="content"><p>全国人民代表大会常务委员会关于设立烈士纪念日的决定</p></div><p>2014年8月31日</p>"""
# The same with a second complete document after it: its body's children are adopted, its head is not.
TWO_DOCUMENTS = """<html><head><title>公报</title></head><body><p>首页</p></body></html>
<html><head><title>正文</title></head><body><p>决定全文</p><p>2014年8月31日</p></body></html>"""


def body_texts(root) -> list[str]:
    return [" ".join(el.itertext()).strip() for el in root.find("body")]


def test_trailing_content_joins_the_body_in_order():
    root = etree.fromstring(PAGE, etree.HTMLParser())
    assert "烈士纪念日" not in "".join(root.itertext())  # libxml2 left it outside the root
    adopt_trailing_documents(root)
    assert body_texts(root) == ["首页", "全国人民代表大会常务委员会关于设立烈士纪念日的决定", "2014年8月31日"]


def test_a_trailing_document_gives_its_body_not_its_head():
    root = etree.fromstring(TWO_DOCUMENTS, etree.HTMLParser())
    adopt_trailing_documents(root)
    assert body_texts(root) == ["首页", "决定全文", "2014年8月31日"]
    assert [el.tag for el in root] == ["head", "body"] and root.findtext("head/title") == "公报"


def test_a_page_without_body_gets_one_and_a_fragment_is_left_alone():
    root = etree.fromstring("<html><head><title>空</title></head></html><p>正文在后面</p>", etree.HTMLParser())
    if root.find("body") is not None:
        root.remove(root.find("body"))
    adopt_trailing_documents(root)
    assert root.find("body") is not None and "正文在后面" in "".join(root.find("body").itertext())

    fragment = lhtml.fragment_fromstring("<div><p>一段</p></div>")
    before = etree.tostring(fragment)
    adopt_trailing_documents(fragment)
    assert etree.tostring(fragment) == before
