"""Text helpers more than one stage needs (stages share no code, so it lives in the kernel)."""

from __future__ import annotations


def adopt_trailing_documents(root) -> None:
    """Move what follows a premature ``</html>`` into the page (an lxml tree parsed from HTML, changed in place).

    CMS templates often include a complete header document; libxml2 leaves everything after its
    ``</html>`` (on a 国务院公报 page: the whole 决议, title and text) as top-level siblings of the
    root, which text_content() never sees. A root that is not <html> (a fragment) is left alone; an <html> root
    without a <body> gets one.
    """
    from lxml import etree

    if root.tag != "html":
        return
    body = root.find("body")
    if body is None:
        body = etree.SubElement(root, "body")
    sibling = root.getnext()
    while sibling is not None:
        following = sibling.getnext()
        if isinstance(sibling.tag, str):
            holder = sibling.find("body") if sibling.find("body") is not None else sibling
            for child in list(holder):
                if child.tag != "head":
                    body.append(child)
        sibling = following
