"""Personal information as citizens write it in 12345 requests and board posts, for the output matrix.

``PII_FORMS = [(name, text, secret), ...]``: ``text`` goes into an alert's title and reason and into a department's
return reason and response; ``secret`` is the part that must never appear in any output (CLI, dashboard, reports,
notifications, logs). The same shape as the masker's own table (``tests/security/pii_forms.py``, pii branch): once
that is merged, ``test_pii_outputs`` can run over it instead (see ``forms()`` there).

``MASKER_PENDING`` names the forms the masker on this branch does not cover yet (full-width digits, dotted and
separator-less numbers, wrong check digits, spaced IDs and long spaced cards, e-mails glued to Chinese, QQ/微信号,
plates, house numbers, names). Their test cases are strict xfails: they start failing — as a reminder to remove the
mark — when the masker from the pii branch masks them.
"""

from __future__ import annotations

PII_FORMS: list[tuple[str, str, str]] = [
    # mobile numbers
    ("mobile_plain", "市民张三13812345678反映小区停水", "13812345678"),
    ("mobile_dashes", "联系电话138-2345-6789", "138-2345-6789"),
    ("mobile_spaces", "手机 139 3456 7890 随时可打", "139 3456 7890"),
    ("mobile_plus86", "来电号码+8615012345678", "15012345678"),
    ("mobile_plus86_dashes", "号码+86-186-1234-5678", "186-1234-5678"),
    ("mobile_86_space", "86 17712345678", "17712345678"),
    ("mobile_after_colon", "手机：19912345678", "19912345678"),
    ("mobile_fullwidth_colon", "电话：13700001111（白天）", "13700001111"),
    ("mobile_before_cjk", "18612340000联系王女士", "18612340000"),
    ("mobile_in_parens", "（16612345678）", "16612345678"),
    ("mobile_tel_prefix", "tel:13512345670", "13512345670"),
    ("mobile_two_numbers", "13811112222/13987654321均可", "13987654321"),
    ("mobile_fullwidth_digits", "手机１３８１２３４５６７８", "１３８１２３４５６７８"),
    ("mobile_dots", "电话138.1234.5678", "138.1234.5678"),
    # landlines
    ("landline_dash", "座机0731-88881234", "0731-88881234"),
    ("landline_paren", "(010)62345678", "(010)62345678"),
    ("landline_fullwidth_paren", "（0755）86001234", "（0755）86001234"),
    ("landline_extension", "0731-84445678-802转人工", "0731-84445678"),
    ("landline_space", "021 64561234", "021 64561234"),
    ("landline_eight_digits", "020-12345678", "020-12345678"),
    ("landline_no_separator", "家里电话073188881234", "073188881234"),
    # resident ID numbers
    ("id18_check_x", "身份证11010519491231002X", "11010519491231002X"),
    ("id18_lowercase_x", "身份证号11010819610304003x", "11010819610304003x"),
    ("id18_in_text", "证件号430102198507153212已核实", "430102198507153212"),
    ("id18_born_2005", "学生身份证440306200501011238", "440306200501011238"),
    ("id18_other", "320582197806134525", "320582197806134525"),
    ("id15_old", "老身份证430102850715321", "430102850715321"),
    ("id18_wrong_check_digit", "身份证110105194912310021", "110105194912310021"),
    ("id18_spaced", "身份证 110105 19491231 002X", "110105 19491231 002X"),
    # bank cards
    ("card_16", "工资卡6222021234567894", "6222021234567894"),
    ("card_19", "卡号6217001234567890122", "6217001234567890122"),
    ("card_spaced_16", "银行卡 6222 0212 3456 7894", "6222 0212 3456 7894"),
    ("card_dashes_16", "4367-4212-3456-7896", "4367-4212-3456-7896"),
    ("card_spaced_19", "卡号 6228 4800 1234 5678 903", "6228 4800 1234 5678 903"),
    # e-mail
    ("email_spaced", "邮箱 zhang.san@example.com", "zhang.san@example.com"),
    ("email_parens", "(li.si@mail.gov.cn)", "li.si@mail.gov.cn"),
    ("email_plus", "联系 wang+yq@example.org 谢谢", "wang+yq@example.org"),
    ("email_upper", "ZHAO.LIU@EXAMPLE.COM", "ZHAO.LIU@EXAMPLE.COM"),
    ("email_after_cjk", "邮箱lisi.wang@example.net", "lisi.wang@example.net"),
    # labelled accounts, plates, addresses, names
    ("qq_labelled", "QQ：987650123", "987650123"),
    ("wechat_labelled", "微信号：zhangsan_1990", "zhangsan_1990"),
    ("licence_plate", "车牌粤B12345的车堵了消防通道", "粤B12345"),
    ("house_address", "住幸福小区3栋2单元501室", "3栋2单元501室"),
    ("name_after_wojiao", "我叫王小明，家住A3区", "王小明"),
    ("name_labelled", "姓名：李四海", "李四海"),
]

# Forms the masker on this branch does not mask (measured with yuqing.privacy.mask_pii at 519cbe0).
MASKER_PENDING = frozenset({
    "mobile_fullwidth_digits", "mobile_dots", "landline_no_separator", "id18_wrong_check_digit", "id18_spaced",
    "card_spaced_19", "email_after_cjk", "qq_labelled", "wechat_labelled", "licence_plate", "house_address",
    "name_after_wojiao", "name_labelled",
})
