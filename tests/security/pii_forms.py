"""Personal information as a 12345 centre sees it: one table shared by the masker's tests and the output matrix.

``PII_FORMS``: (name, text containing the PII, secret) — after ``mask_pii`` (and in every output) ``secret`` must not
appear. Secrets are the identifying part only (a phone's middle and last digits together, a name in full), so a
masked form such as 138****5678 passes while any leak of the whole number fails. The ID and card numbers are made
up but well formed (check digit, Luhn) unless the name says otherwise.

``LOOK_ALIKES``: (name, text) that must come out of ``mask_pii`` unchanged: dates, amounts, document numbers and
other numbers of government text that look like personal data.
"""

from __future__ import annotations

PII_FORMS: list[tuple[str, str, str]] = [
    # mobiles
    ("mobile_plain", "联系电话13812345678，请尽快处理", "13812345678"),
    ("mobile_dashes", "手机138-1234-5678，谢谢", "1234-5678"),
    ("mobile_spaces", "打我电话 138 1234 5678 就行", "1234 5678"),
    ("mobile_dots", "电话138.1234.5678。", "1234.5678"),
    ("mobile_fullwidth", "我的电话是１３８１２３４５６７８，请回电", "１２３４５６７８"),
    ("mobile_fullwidth_dashes", "电话：１３８－１２３４－５６７８", "１２３４－５６７８"),
    ("mobile_plus86", "联系方式+86 13812345678", "13812345678"),
    ("mobile_plus86_dashes", "+86-139-8765-4321请回复", "8765-4321"),
    ("mobile_paren86", "(+86)15912345678", "15912345678"),
    ("mobile_fullwidth_paren86", "（＋86）15912345678", "15912345678"),
    ("mobile_after_han", "市民张先生18673112345反映小区停水", "18673112345"),
    ("mobile_in_title", "市民张三13812345678反映噪音扰民", "13812345678"),
    ("mobile_4_4_3", "电话1381 2345 678", "1381 2345 678"),
    # landlines
    ("landline_dash", "座机0731-88881234转", "88881234"),
    ("landline_bare", "电话073188881234", "073188881234"),
    ("landline_paren", "(0731)88881234", "88881234"),
    ("landline_fullwidth_paren", "（０７３１）８８８８１２３４", "８８８８１２３４"),
    ("landline_beijing_spaces", "请拨010 8888 1234咨询", "8888 1234"),
    ("landline_beijing_bare", "01088881234", "01088881234"),
    ("landline_extension", "0731-88881234-802找王科长", "88881234"),
    ("landline_extension_zhuan", "0755-2688 1234转8021", "2688 1234"),
    ("landline_labelled_local", "家里电话：88881234", "88881234"),
    # resident ID numbers
    ("id18_valid", "身份证号430102199003071234", "430102199003071234"),
    ("id18_x", "身份证430104198808089915，户籍长沙", "430104198808089915"),
    ("id18_wrong_check", "身份证号码430102199003071235", "430102199003071235"),
    ("id18_spaces", "证件号430102 19900307 1234", "19900307"),
    ("id18_spaces_4", "身份证 4401 0319 7611 1105 23", "7611 1105"),
    ("id18_fullwidth", "身份证１１０１０５１９８５１２２４３０１４", "１９８５１２２４３０１"),
    ("id15_old", "老身份证430105900307123", "430105900307123"),
    # bank cards
    ("card_19_bare", "请把补贴打到卡号6222021903001234560", "6222021903001234560"),
    ("card_16_spaces", "银行卡 6230 5800 0012 3455", "5800 0012"),
    ("card_16_dashes", "卡号4367-4212-3456-7896", "4212-3456"),
    ("card_19_grouped", "工资卡6217 0012 3456 7890 122", "0012 3456 7890"),
    # e-mail
    ("email_after_han", "邮箱zhang.san@example.com", "zhang.san@"),
    ("email_plain", "请发至 lisi_1990@163.com 。", "lisi_1990@"),
    ("email_fullwidth_at", "邮箱wangwu＠qq.com", "wangwu"),
    # QQ and WeChat
    ("qq_colon", "QQ：12345678", "12345678"),
    ("qq_hao", "qq号 12345678", "12345678"),
    ("qq_number_word", "我的QQ号码987654321", "987654321"),
    ("wechat_colon", "微信：zhangsan_88", "zhangsan_88"),
    ("wechat_wxid", "微信号 wxid_abc123", "wxid_abc123"),
    ("wechat_vx", "VX:zs_9527abc", "zs_9527abc"),
    ("wechat_phone", "微信同号13912345678", "13912345678"),
    # licence plates
    ("plate", "车牌湘A12345的车堵了消防通道", "A12345"),
    ("plate_new_energy", "湘AD12345新能源车占用车位", "D12345"),
    ("plate_dot", "粤B·6M789 长期占道", "6M789"),
    # house-number addresses
    ("address_unit_room", "住在幸福小区3栋2单元501室", "3栋2单元501"),
    ("address_building_unit", "3号楼2单元501漏水", "3号楼2单元501"),
    ("address_building_room", "5栋1203业主", "5栋1203"),
    ("address_chinese_numerals", "十二栋三单元1102室", "1102"),
    # names after a label
    ("name_wo_jiao", "我叫张三，住在岳麓区", "张三"),
    ("name_xingming", "姓名：李四 电话待补", "李四"),
    ("name_lianxiren", "联系人：王小明", "王小明"),
    ("name_compound", "我叫欧阳修文，反映供暖问题", "欧阳修文"),
    ("name_title", "联系人：赵六先生", "赵六"),
]

LOOK_ALIKES: list[tuple[str, str]] = [
    ("date_compact", "日期20190907，办理完毕"),
    ("date_dashes", "2019-09-07 10:30:00发布"),
    ("amount_yuan", "总投资15000000000元"),
    ("amount_wan", "补贴13812345678万元"),
    ("decimal_area", "面积13812.5平方米"),
    ("decimal_after_landline_shape", "共0731-88881234.59元"),
    ("document_number", "依据国办发〔2016〕80号文件"),
    ("document_number_2", "湘政办发〔2019〕12号"),
    ("index_number", "索引号：000014349/2016-00197"),
    ("index_number_2", "索引号：11430100MB1A2345XC/2020-00123"),
    ("order_glued", "订单号DD13812345678已退款"),
    ("order_suffix", "流水号13812345678A"),
    ("serial_15_not_id", "编号201909071234567"),
    ("code_18_bad_date", "编号430105199013071234号"),
    ("years", "2016年至2019年，2019—2020学年"),
    ("url_digits", "详见http://www.gov.cn/zhengce/content/2016-11/10/content_13812345678.htm"),
    ("time", "上午10:30至12:00"),
    ("hotline", "请拨打12345热线"),
    ("icp", "湘ICP备12345678号"),
    ("card_bad_luhn", "编号6222021903001234561"),
    ("contact_title_only", "联系人：王先生"),
    ("not_a_name", "我叫不上名字的那条路"),
    ("wechat_official_account", "关注微信公众号：changsha_gov"),
    ("building_only", "5栋楼下的垃圾站"),
    ("qq_group_word", "QQ群里有人说"),
    ("percent", "同比增长13812345678%"),
    ("householder_word", "1005户主严重违反规定"),  # seen in the real 12345 data: 户主 is no name label
]
